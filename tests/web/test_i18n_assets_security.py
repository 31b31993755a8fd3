"""Catalogues, front-end assets, and the security building blocks (no server needed)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zeroscam.web import assets
from zeroscam.web.i18n import LANGUAGES, TRANSLATIONS_DIR, Translator, catalogue, pick_language
from zeroscam.web.security import Signer, TokenBucket, new_token, tokens_match

WEB = Path(assets.__file__).parent
THAI = re.compile(r"[\u0E00-\u0E7F]")


def test_catalogues_have_the_same_keys():
    th, en = catalogue("th"), catalogue("en")
    assert set(th) == set(en), f"only in th: {set(th) - set(en)}; only in en: {set(en) - set(th)}"
    assert len(th) > 200


def test_catalogues_have_the_same_placeholders_and_no_empty_text():
    th, en = catalogue("th"), catalogue("en")
    for key in th:
        assert th[key].strip() and en[key].strip(), key
        assert set(re.findall(r"{(\w+)}", th[key])) == set(re.findall(r"{(\w+)}", en[key])), key


def test_thai_catalogue_is_thai():
    th = catalogue("th")
    # Everything a person reads is Thai, except the brand and pure formats.
    not_thai = [k for k, v in th.items() if not THAI.search(v) and k not in ("site.name", "app.signed_in_as")]
    assert not not_thai, not_thai
    assert th["check.high.bank_account"] == "บัญชีนี้ถูกแจ้งว่าเป็นบัญชีมิจฉาชีพ — อย่าโอน"


def test_every_key_the_templates_use_exists():
    used = set()
    for path in list((WEB / "templates").rglob("*.html")) + [p for p in WEB.glob("*.py") if p.name != "i18n.py"]:
        used |= set(re.findall(r"""\bt\(\s*["']([a-z0-9_.]+)["']""", path.read_text(encoding="utf-8")))
    # dynamic keys ("scam." ~ x) are checked through the label lists below
    used = {k for k in used if not k.endswith(".")}
    missing = used - set(catalogue("en"))
    assert not missing, missing


def test_dynamic_label_keys_exist():
    from zeroscam.web import labels
    from zeroscam.web.repository import ENTITY_KINDS, HOLD_STATES

    en = catalogue("en")
    for st_ in labels.SCAM_TYPES:
        assert f"scam.{st_}" in en
    for kind in set(labels.CONTACT_TYPES) | set(labels.CHECK_TYPES) | set(ENTITY_KINDS):
        assert f"kind.{kind}" in en
    for kind in labels.CHECK_TYPES:
        assert f"check.high.{kind}" in en and f"check.invalid.{kind}" in en
    for state in HOLD_STATES:
        assert f"hold.state.{state}" in en


def test_catalogue_files_are_valid_sorted_json():
    for lang in LANGUAGES:
        data = json.loads((TRANSLATIONS_DIR / f"{lang}.json").read_text(encoding="utf-8"))
        assert list(data) == sorted(data)


def test_translator_formats_and_never_crashes_on_a_missing_key():
    t = Translator("en")
    assert t("check.limited.advice", seconds=7) == "Please wait 7 seconds and try again."
    assert t("no.such.key") == "no.such.key"
    assert Translator("xx").lang == "th"


@given(st.one_of(st.none(), st.text(max_size=8)), st.one_of(st.none(), st.text(max_size=8)))
def test_language_choice_is_always_a_known_language(query, cookie):
    lang = pick_language(query, cookie)
    assert lang in LANGUAGES
    if query and query.lower() in LANGUAGES:
        assert lang == query.lower()
    elif not (cookie and cookie.lower() in LANGUAGES):
        assert lang == "th"


# --- assets -------------------------------------------------------------------------

def test_front_end_assets_are_installed_after_setup():
    """`make setup` runs npm ci and copies the files; a missing one is a failed setup."""
    assert assets.missing() == [], f"run `make setup` (npm ci + python -m zeroscam.web.assets): missing {assets.missing()}"
    assert (assets.VENDOR_DIR / "fonts" / "sarabun-thai-400-normal.woff2").read_bytes()[:4] == b"wOF2"


def test_served_copy_is_not_committed():
    gitignore = (WEB.parents[2] / ".gitignore").read_text()
    assert "/src/zeroscam/web/static/vendor/" in gitignore


def test_package_json_pins_what_assets_copy():
    pkg = json.loads((WEB.parents[2] / "package.json").read_text())
    lock = json.loads((WEB.parents[2] / "package-lock.json").read_text())
    for source in assets.VENDOR_FILES.values():
        name = source.split("/")[0] if not source.startswith("@") else "/".join(source.split("/")[:2])
        assert name in pkg["dependencies"], name
        assert f"node_modules/{name}" in lock["packages"], name


def test_install_copies_and_reports_a_missing_package(tmp_path):
    node_modules = tmp_path / "node_modules"
    for source in assets.VENDOR_FILES.values():
        (node_modules / source).parent.mkdir(parents=True, exist_ok=True)
        (node_modules / source).write_text("x")
    dest = tmp_path / "vendor"
    copied = assets.install(node_modules, dest)
    assert set(copied) == set(assets.VENDOR_FILES)
    assert assets.missing(dest) == []
    (node_modules / assets.VENDOR_FILES["htmx.min.js"]).unlink()
    with pytest.raises(FileNotFoundError, match="htmx.min.js"):
        assets.install(node_modules, tmp_path / "vendor2")


def test_templates_fetch_nothing_from_outside():
    for path in list((WEB / "templates").rglob("*.html")) + list((WEB / "static").rglob("*.css")) \
            + list((WEB / "static" / "js").glob("*.js")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(src|href)=[\"']?(https?:)?//", text), path
        assert "url(http" not in text and "url(//" not in text, path


# --- security -----------------------------------------------------------------------

def test_session_cookie_round_trip_and_tampering():
    signer = Signer(b"k" * 32)
    cookie = signer.dump_session(42, "tok")
    data = signer.load_session(cookie)
    assert data.user_id == 42 and data.csrf == "tok"
    tampered = cookie[:-2] + ("A" if cookie[-2] != "A" else "B") + cookie[-1]
    assert tampered != cookie and signer.load_session(tampered) is None
    assert Signer(b"other" * 8).load_session(cookie) is None
    assert signer.load_session("") is None and signer.load_session("garbage") is None
    # a CSRF cookie is not a session cookie (different keys and salts)
    assert signer.load_session(signer.dump_csrf("tok")) is None


def test_tokens_match_needs_both_sides():
    tok = new_token()
    assert tokens_match(tok, tok)
    assert not tokens_match(tok, tok + "x")
    assert not tokens_match(None, tok) and not tokens_match(tok, None) and not tokens_match("", "")


def test_token_bucket_limits_and_refills():
    now = [1000.0]
    bucket = TokenBucket(6, clock=lambda: now[0])
    assert all(bucket.allow("a") for _ in range(6))
    assert not bucket.allow("a")
    assert bucket.allow("b")  # per client
    assert bucket.retry_after("a") >= 1
    now[0] += 10.0  # 6 a minute: one token every 10 s
    assert bucket.allow("a")
    assert not bucket.allow("a")


def test_token_bucket_memory_is_bounded():
    now = [0.0]
    bucket = TokenBucket(5, max_keys=100, clock=lambda: now[0])
    for i in range(1000):
        bucket.allow(f"10.0.{i // 256}.{i % 256}")
    assert len(bucket._buckets) <= 101
