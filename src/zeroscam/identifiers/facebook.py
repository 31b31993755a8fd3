"""Facebook pages and profiles: canonical form is the lower-cased username, or
`id:<digits>` for numeric profile IDs; links are reduced to that."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from zeroscam.identifiers._text import clean
from zeroscam.kit.errors import IdentifierError

KIND = "facebook"
_NAME_RE = re.compile(r"^[a-z0-9.\-]{2,80}$")
_HOST_RE = re.compile(r"^(?:[a-z]+\.)?(?:facebook\.com|fb\.com|fb\.me)$")


def normalize(value: object) -> str:
    """`https://www.facebook.com/DHL.Refund.TH/` → `dhl.refund.th`;
    `facebook.com/profile.php?id=1000123` → `id:1000123`."""
    text = clean(KIND, value)
    lowered = text.lower()
    if "facebook.com" in lowered or "fb.com" in lowered or "fb.me" in lowered:
        if "://" not in text:
            text = "https://" + text
        parts = urlsplit(text)
        if not _HOST_RE.match((parts.hostname or "").lower()):
            raise IdentifierError(KIND, value, "not a Facebook link")
        segments = [s for s in parts.path.split("/") if s]
        if segments and segments[0].lower() == "profile.php":
            ids = parse_qs(parts.query).get("id", [])
            if ids and ids[0].isdigit():
                return f"id:{ids[0]}"
            raise IdentifierError(KIND, value, "profile link without an id")
        if segments and segments[0].lower() in ("people", "pages") and len(segments) >= 3 and segments[2].isdigit():
            return f"id:{segments[2]}"
        if not segments:
            raise IdentifierError(KIND, value, "link without a page name")
        text = segments[0]
    text = text.lstrip("@").strip().lower()
    if text.isdigit():
        return f"id:{text}"
    if text.startswith("id:") and text[3:].isdigit():
        return text
    if not _NAME_RE.match(text):
        raise IdentifierError(KIND, value, "not a Facebook username")
    return text
