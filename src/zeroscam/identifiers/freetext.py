"""Find identifiers in free text, Thai or English (victims' narratives, chat logs).

`extract("โอนเงินไปบัญชี 014-9876543210 แล้วแอดไลน์ @dhl-refund")` →
`[Found('bank_account', '014-9876543210', ...), Found('line_id', 'dhl-refund', ...)]`.

Numbers are read with the keyword nearest before them: a bank name (Thai or
English) makes the number an account at that bank, "บัญชี"/"account" a
`BANK-ACCOUNT`, "พร้อมเพย์"/"PromptPay" a PromptPay ID, "เบอร์"/"โทร"/"phone" a
phone number. Without a keyword only unambiguous shapes are taken: Thai phone
numbers, `+` international numbers, national IDs with a valid check digit and
`CODE-ACCOUNT` with a known bank code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from zeroscam.identifiers import (bank_account, banks, crypto_wallet, email, line_id, national_id, phone,
                                  promptpay, url)
from zeroscam.kit.errors import IdentifierError

_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


@dataclass(frozen=True)
class Found:
    kind: str
    value: str  # canonical
    raw: str  # the text as written
    start: int
    end: int


_URL_RE = re.compile(r"(?:h(?:tt|xx)ps?://|www\.)[^\s<>\"'\u0E00-\u0E7F]+", re.IGNORECASE)
_EMAIL_RE = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_DOMAIN_RE = re.compile(r"(?<![\w@.-])(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?:/[^\s<>\"'\u0E00-\u0E7F]*)?")
# "line"/"ไลน์" as a word: not inside "online", "deadline" or "ออนไลน์".
_LINE_RE = re.compile(
    r"(?:(?<![A-Za-z])(?:line\s*id|id\s*line|line)(?![A-Za-z])|(?<!ออน)(?:ไอดีไลน์|ไลน์\s*ไอดี|ไลน์))"
    r"\s*(?:คือ|is)?\s*[:：=]?\s*(@?[A-Za-z0-9._-]{2,40})",
    re.IGNORECASE)
_CRYPTO_RE = re.compile(r"(?<![A-Za-z0-9])(0x[0-9a-fA-F]{40}|bc1[02-9ac-hj-np-z]{11,71}|"
                        r"[13][1-9A-HJ-NP-Za-km-z]{25,34}|T[1-9A-HJ-NP-Za-km-z]{33})(?![A-Za-z0-9])")
# A number as people write it: digit groups joined by single separators.
_NUMBER_RE = re.compile(r"(?<![0-9A-Za-z+])\+?\(?\d[\d)]*(?:[ \-.(]{1,2}\d[\d)]*){0,6}(?![0-9])")
_TRAILING = ".,;:!?)]}>\"'"

_ACCOUNT_WORDS = ("เลขที่บัญชี", "เลขบัญชี", "บัญชี", "บช.", "account no", "account", "acct", "a/c", "acc no", "bank")
_PROMPTPAY_WORDS = ("พร้อมเพย์", "พร้อมเพ", "promptpay", "prompt pay")
_PHONE_WORDS = ("เบอร์โทร", "เบอร์", "โทร", "มือถือ", "หมายเลข", "phone", "tel", "call", "mobile", "sms")
_ID_WORDS = ("เลขบัตรประชาชน", "บัตรประชาชน", "เลขประจำตัวประชาชน", "national id", "id card")
# Bank names: ASCII ones as whole words ("ebay" is not BAY), Thai ones anywhere
# (Thai has no spaces between words).
_NAME_RE = re.compile("|".join(
    (re.escape(a) if not a.isascii() else rf"(?<![a-z]){re.escape(a)}(?![a-z])")
    for a in sorted((a for a in banks.ALIASES if len(a) >= 3), key=len, reverse=True)), re.IGNORECASE)
# Names that are also ordinary words ("กรุงเทพ" is Bangkok): a bank only after an account word.
_AMBIGUOUS_NAMES = {"กรุงเทพ"}
_WINDOW = 30


def _strip_trailing(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in _TRAILING:
        end -= 1
    return end


def _nearest_keyword(context: str) -> tuple[str, str | None] | None:
    """The keyword (kind, bank code) closest to the end of `context`."""
    lowered = context.lower()
    best: tuple[int, str, str | None] | None = None
    for kind, words in (("account", _ACCOUNT_WORDS), ("promptpay", _PROMPTPAY_WORDS),
                        ("phone", _PHONE_WORDS), ("national_id", _ID_WORDS)):
        for word in words:
            pos = lowered.rfind(word)
            if pos >= 0 and (best is None or pos + len(word) > best[0]):
                best = (pos + len(word), kind, None)
    for m in _NAME_RE.finditer(context):
        end = m.end()
        if m.group(0).lower() in _AMBIGUOUS_NAMES and not any(w in lowered[:m.start()] for w in _ACCOUNT_WORDS):
            continue
        code = banks.code_for_name(m.group(0))
        if code and (best is None or end >= best[0]):
            best = (end, "bank", code)
    return (best[1], best[2]) if best else None


def _thai_phone_shape(digits: str) -> bool:
    return bool(re.fullmatch(r"(?:0|\+?66)(?:[689]\d{8}|[2-7]\d{7})|\+69[78]\d{6,12}", digits))


def _read_number(raw: str, keyword: tuple[str, str | None] | None) -> tuple[str, str] | None:
    """(kind, canonical) for one written number, or None."""
    compact = re.sub(r"[ \-.()]", "", raw)
    kind, code = keyword if keyword else (None, None)
    try:
        if kind == "bank":
            digits = bank_account.account_digits(compact)
            if len(digits) == 13 and digits.startswith(code):  # "กสิกร 004-1234567890"
                digits = digits[3:]
            return "bank_account", f"{code}-{digits}"
        if kind == "promptpay":
            return "promptpay", promptpay.normalize(raw)
        if kind == "account":
            try:
                return "bank_account", bank_account.normalize(raw)
            except IdentifierError:
                pass
        if kind == "national_id" and len(compact) == 13:
            return "national_id", national_id.normalize(compact)
        if kind == "phone" and (compact.startswith(("0", "+")) or compact.startswith("66")):
            canonical = phone.normalize(raw)
            if not canonical.startswith("+66") or _thai_phone_shape(canonical):
                return "phone", canonical
    except IdentifierError:
        pass
    # No keyword, or the keyword's reading failed: only unambiguous shapes.
    if _thai_phone_shape(compact):
        return "phone", phone.normalize(compact)
    if compact.startswith("+") and len(compact) >= 9:
        try:
            return "phone", phone.normalize(raw)
        except IdentifierError:
            pass
    m = re.fullmatch(r"(\d{3})[ \-](\d[\d \-]{4,24}\d)", raw)
    if m and m.group(1) in banks.BANKS and not re.fullmatch(r"\d{3}-\d-\d{5}-\d", raw):
        try:
            return "bank_account", bank_account.make(m.group(1), m.group(2))
        except IdentifierError:
            pass
    if len(compact) == 13 and compact.isdigit() and national_id.is_valid(compact):
        return "national_id", compact
    return None


def extract(text: str) -> list[Found]:
    """Every identifier found in `text`, in order of position (spans never overlap)."""
    if not text:
        return []
    scan = text.translate(_THAI_DIGITS)  # same length: offsets stay valid for `text`
    taken = [False] * len(scan)
    found: list[Found] = []

    def free(start: int, end: int) -> bool:
        return not any(taken[start:end])

    def add(kind: str, value: str, start: int, end: int) -> None:
        found.append(Found(kind, value, text[start:end], start, end))
        for i in range(start, end):
            taken[i] = True

    for regex, kind, normaliser in ((_URL_RE, "url", url.normalize), (_EMAIL_RE, "email", email.normalize)):
        for m in regex.finditer(scan):
            end = _strip_trailing(scan, m.start(), m.end())
            if free(m.start(), end):
                try:
                    add(kind, normaliser(scan[m.start():end]), m.start(), end)
                except IdentifierError:
                    pass
    for m in _DOMAIN_RE.finditer(scan):
        end = _strip_trailing(scan, m.start(), m.end())
        candidate = scan[m.start():end]
        if not free(m.start(), end) or candidate.replace(".", "").isdigit():
            continue
        host = candidate.split("/")[0]
        try:
            if url._extractor()(host).suffix:
                add("url", url.normalize(candidate), m.start(), end)
        except IdentifierError:
            pass
    for m in _LINE_RE.finditer(scan):
        start, end = m.start(1), _strip_trailing(scan, m.start(1), m.end(1))
        if free(start, end):
            try:
                add("line_id", line_id.normalize(scan[start:end]), start, end)
            except IdentifierError:
                pass
    for m in _CRYPTO_RE.finditer(scan):
        if free(m.start(), m.end()):
            try:
                add("crypto_wallet", crypto_wallet.normalize(m.group(1)), m.start(), m.end())
            except IdentifierError:
                pass
    last_end = 0
    for m in _NUMBER_RE.finditer(scan):
        start, end = m.start(), m.end()
        while end > start and not scan[end - 1].isdigit():
            end -= 1
        if not free(start, end):
            continue
        context = scan[max(last_end, start - _WINDOW):start]
        keyword = _nearest_keyword(context)
        # Try the whole run first, then shorter runs (a phone number followed by an amount).
        groups = [g for g in re.finditer(r"\S+", scan[start:end])]
        for n in range(len(groups), 0, -1):
            stop = start + groups[n - 1].end()
            while stop > start and not scan[stop - 1].isdigit():
                stop -= 1
            result = _read_number(scan[start:stop], keyword)
            if result is not None:
                add(result[0], result[1], start, stop)
                last_end = stop
                break
    found.sort(key=lambda f: f.start)
    return found
