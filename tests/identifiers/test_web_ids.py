import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zeroscam.identifiers import crypto_wallet, email, facebook, line_id, url
from zeroscam.kit.errors import IdentifierError

labels = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)


@settings(deadline=None)
@given(st.lists(labels, min_size=2, max_size=4), st.sampled_from(["http", "HTTP", "https", "HtTpS"]),
       st.text("abcXYZ019/-_", max_size=12))
def test_url_idempotent_and_case(host_labels, scheme, path):
    host = ".".join(host_labels)
    written = f"{scheme}://{host.upper()}/{path}"
    canonical = url.normalize(written)
    assert canonical.startswith(scheme.lower() + "://" + host + "/")
    assert url.normalize(canonical) == canonical


def test_url_rules():
    assert url.normalize("HTTP://Dhl-TH-Refund.example/pay") == "http://dhl-th-refund.example/pay"
    assert url.normalize("https://Example.COM:443/a?b=1#frag") == "https://example.com/a?b=1"
    assert url.normalize("http://example.com:8080") == "http://example.com:8080/"
    assert url.normalize("dhl-refund.co.th/pay") == "http://dhl-refund.co.th/pay"
    assert url.normalize("hxxps://evil[.]co[.]th/x") == "https://evil.co.th/x"
    assert url.normalize("http://ไทย.com/") == "http://xn--o3cw4h.com/"
    for bad in ["javascript:alert(1)", "http://", "not a url", "http://localhost/"]:
        with pytest.raises(IdentifierError):
            url.normalize(bad)


def test_registrable_domain_offline():
    assert url.registrable_domain("http://a.b.dhl-refund.co.th/x") == "dhl-refund.co.th"
    assert url.registrable_domain("https://login.bank.example.com/") == "example.com"
    assert url.registrable_domain("dhl-th-refund.example") == "dhl-th-refund.example"


@settings(deadline=None)
@given(st.text("abcdefghijklmnopqrstuvwxyz0123456789._-", min_size=1, max_size=20),
       st.sampled_from(["", "@", "＠", "line id: ", "LINE: @", "ไลน์ ", "https://line.me/R/ti/p/@"]))
def test_line_id_one_canonical(name, prefix):
    canonical = line_id.normalize(name)
    assert line_id.normalize(prefix + name.upper()) == canonical
    assert line_id.normalize(canonical) == canonical
    assert not canonical.startswith("@")


def test_email():
    assert email.normalize("Refund@DHL-TH.Example") == "refund@dhl-th.example"
    assert email.normalize("mailto:a.b@x.co.th") == "a.b@x.co.th"
    for bad in ["a@@b.com", "a@b", "@b.com", "a..b@x.com"]:
        with pytest.raises(IdentifierError):
            email.normalize(bad)


def test_facebook():
    assert facebook.normalize("https://www.facebook.com/DHL.Refund.TH/") == "dhl.refund.th"
    assert facebook.normalize("facebook.com/profile.php?id=1000123") == "id:1000123"
    assert facebook.normalize("@DHL.Refund.TH") == "dhl.refund.th"


def test_crypto():
    eth = "0x52908400098527886E0F7030069857D2E4169EE7"
    assert crypto_wallet.normalize(eth) == eth.lower().replace("0X", "0x")
    assert crypto_wallet.normalize("BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ") == \
        "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
    assert crypto_wallet.normalize("1BoatSLRHtKNngkdXEeobR76b53LETtpyT") == "1BoatSLRHtKNngkdXEeobR76b53LETtpyT"
    assert crypto_wallet.chain("TQrY8tryqsYVCYS3MFbtffiPp2ccyn4STm") == "tron"
    for bad in ["0x123", "bc1QAr0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "hello", "1O0l"]:
        with pytest.raises(IdentifierError):
            crypto_wallet.normalize(bad)
