"""URLs: lower-cased scheme and host, IDN as punycode, default port dropped.

Also: a missing scheme means `http://`, an empty path is `/`, the fragment is
dropped (browsers never send it), and defanged forms (`hxxp://`, `[.]`) are
refanged. `registrable_domain()` uses tldextract's bundled public suffix list
and never touches the network.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

from zeroscam.identifiers._text import clean
from zeroscam.kit.errors import IdentifierError

KIND = "url"
DEFAULT_PORTS = {"http": 80, "https": 443, "ftp": 21}
SCHEMES = ("http", "https", "ftp")
_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")
_LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_PCT_RE = re.compile(r"%[0-9a-fA-F]{2}")


def _refang(text: str) -> str:
    text = re.sub(r"^h(?:xx|\*\*|XX)p(s?)(?=[:\[])", r"http\1", text, flags=re.IGNORECASE)
    return (text.replace("[.]", ".").replace("(.)", ".").replace("{.}", ".")
            .replace("[:]", ":").replace("[://]", "://"))


def _to_ascii(host: str, value: object) -> str:
    """IDN → punycode (IDNA 2008 with UTS 46 mapping, as browsers do)."""
    try:
        import idna

        return idna.encode(host, uts46=True).decode("ascii")
    except ImportError:  # pragma: no cover - idna comes with httpx/requests
        pass
    except Exception:
        raise IdentifierError(KIND, value, "bad international domain name") from None
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        raise IdentifierError(KIND, value, "bad international domain name") from None


def _host(host: str, value: object) -> str:
    host = host.rstrip(".").lower()
    if not host:
        raise IdentifierError(KIND, value, "no host")
    if host.startswith("[") and host.endswith("]"):
        try:
            return f"[{ipaddress.IPv6Address(host[1:-1]).compressed}]"
        except ValueError:
            raise IdentifierError(KIND, value, "bad IPv6 address") from None
    try:
        return str(ipaddress.IPv4Address(host))
    except ValueError:
        pass
    if not host.isascii():
        host = _to_ascii(host, value)
    labels = []
    for label in host.split("."):
        if not _LABEL_RE.match(label):
            raise IdentifierError(KIND, value, f"bad host label {label!r}")
        labels.append(label)
    if len(labels) < 2:
        raise IdentifierError(KIND, value, "host must have a domain (a dot)")
    return ".".join(labels)


def normalize(value: object) -> str:
    """`HTTP://Dhl-TH-Refund.example:80/pay#x` → `http://dhl-th-refund.example/pay`."""
    text = _refang(clean(KIND, value))
    if any(c.isspace() for c in text):
        raise IdentifierError(KIND, value, "spaces in a URL")
    m = _SCHEME_RE.match(text)
    if m is None:
        if text.startswith("//"):
            text = "http:" + text
        else:
            text = "http://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise IdentifierError(KIND, value, f"not a URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise IdentifierError(KIND, value, f"scheme {scheme!r} is not http, https or ftp")
    hostname = parts.hostname or ""
    if parts.netloc.rsplit("@", 1)[-1].startswith("["):
        hostname = "[" + hostname + "]"
    host = _host(hostname, value)
    netloc = host
    if parts.username is not None:
        userinfo = parts.netloc.rsplit("@", 1)[0]
        netloc = f"{userinfo}@{host}"
    if port is not None and port != DEFAULT_PORTS.get(scheme):
        netloc += f":{port}"
    path = _PCT_RE.sub(lambda p: p.group(0).upper(), parts.path) or "/"
    query = _PCT_RE.sub(lambda p: p.group(0).upper(), parts.query)
    return urlunsplit((scheme, netloc, path, query, ""))


@lru_cache(maxsize=1)
def _extractor():
    import tldextract

    # Bundled snapshot of the public suffix list; no fetch, no cache writes.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


def host(canonical: str) -> str:
    return urlsplit(canonical).hostname or ""


def registrable_domain(url_or_host: str) -> str:
    """`http://a.b.dhl-refund.co.th/x` → `dhl-refund.co.th`.

    For hosts whose suffix is not in the public suffix list (e.g. `.example`),
    the last two labels; for IP addresses, the address.
    """
    hostname = host(normalize(url_or_host))
    try:
        ipaddress.ip_address(hostname.strip("[]"))
        return hostname
    except ValueError:
        pass
    parts = _extractor()(hostname)
    if parts.suffix and parts.domain:
        return f"{parts.domain}.{parts.suffix}"
    labels = hostname.split(".")
    return ".".join(labels[-2:])
