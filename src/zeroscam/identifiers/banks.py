"""Bank of Thailand bank codes (DOMAIN.md), names in English and Thai, aliases
people write in free text, and SWIFT BICs of Thai banks (for ISO 20022)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bank:
    code: str
    short: str
    name_en: str
    name_th: str
    aliases: tuple[str, ...] = ()
    bic: tuple[str, ...] = ()


BANKS: dict[str, Bank] = {b.code: b for b in [
    Bank("002", "BBL", "Bangkok Bank", "ธนาคารกรุงเทพ", ("bbl", "bangkok bank", "กรุงเทพ", "บัวหลวง"), ("BKKBTHBK",)),
    Bank("004", "KBank", "Kasikornbank", "ธนาคารกสิกรไทย", ("kbank", "kasikorn", "kasikornbank", "กสิกร", "กสิกรไทย"), ("KASITHBK",)),
    Bank("006", "KTB", "Krung Thai Bank", "ธนาคารกรุงไทย", ("ktb", "krungthai", "krung thai", "กรุงไทย"), ("KRTHTHBK",)),
    Bank("011", "TTB", "TMBThanachart Bank", "ธนาคารทหารไทยธนชาต", ("ttb", "tmb", "thanachart", "ทีทีบี", "ทหารไทย", "ทหารไทยธนชาต", "ธนชาต"), ("TMBKTHBK",)),
    Bank("014", "SCB", "Siam Commercial Bank", "ธนาคารไทยพาณิชย์", ("scb", "siam commercial", "ไทยพาณิชย์"), ("SICOTHBK",)),
    Bank("017", "Citi", "Citibank", "ธนาคารซิตี้แบงก์", ("citi", "citibank", "ซิตี้", "ซิตี้แบงก์"), ("CITITHBX",)),
    Bank("020", "StanChart", "Standard Chartered Bank (Thai)", "ธนาคารสแตนดาร์ดชาร์เตอร์ด (ไทย)", ("stanchart", "standard chartered", "สแตนดาร์ดชาร์เตอร์ด"), ("SCBLTHBX",)),
    Bank("022", "CIMBT", "CIMB Thai Bank", "ธนาคารซีไอเอ็มบี ไทย", ("cimb", "cimbt", "cimb thai", "ซีไอเอ็มบี"), ("UBOBTHBK",)),
    Bank("024", "UOB", "United Overseas Bank (Thai)", "ธนาคารยูโอบี", ("uob", "ยูโอบี"), ("UOVBTHBK",)),
    Bank("025", "BAY", "Bank of Ayudhya (Krungsri)", "ธนาคารกรุงศรีอยุธยา", ("bay", "krungsri", "ayudhya", "กรุงศรี", "กรุงศรีอยุธยา"), ("AYUDTHBK",)),
    Bank("030", "GSB", "Government Savings Bank", "ธนาคารออมสิน", ("gsb", "government savings", "ออมสิน"), ("GSBATHBK",)),
    Bank("033", "GHB", "Government Housing Bank", "ธนาคารอาคารสงเคราะห์", ("ghb", "government housing", "อาคารสงเคราะห์", "ธอส", "ธ.อ.ส."), ("GOHUTHB1",)),
    Bank("034", "BAAC", "Bank for Agriculture and Agricultural Cooperatives", "ธนาคารเพื่อการเกษตรและสหกรณ์การเกษตร", ("baac", "ธกส", "ธ.ก.ส.", "ธ.ก.ส"), ("BAABTHBK",)),
    Bank("066", "IBANK", "Islamic Bank of Thailand", "ธนาคารอิสลามแห่งประเทศไทย", ("islamic bank", "ibank", "อิสลาม"), ("TIBTTHBK",)),
    Bank("067", "TISCO", "TISCO Bank", "ธนาคารทิสโก้", ("tisco", "ทิสโก้"), ("TFPCTHB1",)),
    Bank("069", "KKP", "Kiatnakin Phatra Bank", "ธนาคารเกียรตินาคินภัทร", ("kkp", "kiatnakin", "เกียรตินาคิน", "เกียรตินาคินภัทร"), ("KKPBTHBK",)),
    Bank("070", "ICBCT", "Industrial and Commercial Bank of China (Thai)", "ธนาคารไอซีบีซี (ไทย)", ("icbc", "ไอซีบีซี"), ("ICBKTHBK",)),
    Bank("071", "TCRB", "Thai Credit Bank", "ธนาคารไทยเครดิต", ("tcrb", "thai credit", "ไทยเครดิต"), ("THCETHB1",)),
    Bank("073", "LHB", "Land and Houses Bank", "ธนาคารแลนด์ แอนด์ เฮ้าส์", ("lh bank", "lhb", "lhbank", "แลนด์แอนด์เฮ้าส์", "แลนด์ แอนด์ เฮ้าส์"), ("LAHRTHB2",)),
]}

BIC_TO_CODE: dict[str, str] = {bic: b.code for b in BANKS.values() for bic in b.bic}


def _alias_key(text: str) -> str:
    return "".join(text.lower().split())


# Every way of naming a bank → code: short names, full names (with and without
# "ธนาคาร"/"bank"), and aliases; matched without spaces and case.
ALIASES: dict[str, str] = {}
for _b in BANKS.values():
    for _name in (_b.short, _b.name_en, _b.name_th, _b.name_th.removeprefix("ธนาคาร"), *_b.aliases):
        ALIASES[_alias_key(_name)] = _b.code


def code_for_name(name: str) -> str | None:
    """`"กสิกร"` / `"KBank"` / `"ธนาคารไทยพาณิชย์"` → bank code, else None."""
    key = _alias_key(name)
    if key.startswith("ธนาคาร") and key not in ALIASES:
        key = key.removeprefix("ธนาคาร")
    return ALIASES.get(key)


def code_for_bic(bic: str) -> str | None:
    """A Thai BIC (8 or 11 characters) → bank code, else None."""
    return BIC_TO_CODE.get(bic.strip().upper()[:8])


def name(code: str, lang: str = "en") -> str | None:
    bank = BANKS.get(code)
    if bank is None:
        return None
    return bank.name_th if lang == "th" else bank.name_en
