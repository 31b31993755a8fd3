"""Display labels that are data rather than page text: provinces, banks, scam types.

The stored values are English province names and AXF codes; pages show them in
the visitor's language.
"""

from __future__ import annotations

from zeroscam.identifiers.banks import BANKS

# The 77 provinces: English (as stored) -> Thai.
PROVINCES: dict[str, str] = {
    "Bangkok": "กรุงเทพมหานคร", "Amnat Charoen": "อำนาจเจริญ", "Ang Thong": "อ่างทอง",
    "Bueng Kan": "บึงกาฬ", "Buri Ram": "บุรีรัมย์", "Chachoengsao": "ฉะเชิงเทรา",
    "Chai Nat": "ชัยนาท", "Chaiyaphum": "ชัยภูมิ", "Chanthaburi": "จันทบุรี",
    "Chiang Mai": "เชียงใหม่", "Chiang Rai": "เชียงราย", "Chon Buri": "ชลบุรี",
    "Chumphon": "ชุมพร", "Kalasin": "กาฬสินธุ์", "Kamphaeng Phet": "กำแพงเพชร",
    "Kanchanaburi": "กาญจนบุรี", "Khon Kaen": "ขอนแก่น", "Krabi": "กระบี่",
    "Lampang": "ลำปาง", "Lamphun": "ลำพูน", "Loei": "เลย", "Lop Buri": "ลพบุรี",
    "Mae Hong Son": "แม่ฮ่องสอน", "Maha Sarakham": "มหาสารคาม", "Mukdahan": "มุกดาหาร",
    "Nakhon Nayok": "นครนายก", "Nakhon Pathom": "นครปฐม", "Nakhon Phanom": "นครพนม",
    "Nakhon Ratchasima": "นครราชสีมา", "Nakhon Sawan": "นครสวรรค์",
    "Nakhon Si Thammarat": "นครศรีธรรมราช", "Nan": "น่าน", "Narathiwat": "นราธิวาส",
    "Nong Bua Lam Phu": "หนองบัวลำภู", "Nong Khai": "หนองคาย", "Nonthaburi": "นนทบุรี",
    "Pathum Thani": "ปทุมธานี", "Pattani": "ปัตตานี", "Phang Nga": "พังงา",
    "Phatthalung": "พัทลุง", "Phayao": "พะเยา", "Phetchabun": "เพชรบูรณ์",
    "Phetchaburi": "เพชรบุรี", "Phichit": "พิจิตร", "Phitsanulok": "พิษณุโลก",
    "Ayutthaya": "พระนครศรีอยุธยา", "Phrae": "แพร่", "Phuket": "ภูเก็ต",
    "Prachin Buri": "ปราจีนบุรี", "Prachuap Khiri Khan": "ประจวบคีรีขันธ์", "Ranong": "ระนอง",
    "Ratchaburi": "ราชบุรี", "Rayong": "ระยอง", "Roi Et": "ร้อยเอ็ด", "Sa Kaeo": "สระแก้ว",
    "Sakon Nakhon": "สกลนคร", "Samut Prakan": "สมุทรปราการ", "Samut Sakhon": "สมุทรสาคร",
    "Samut Songkhram": "สมุทรสงคราม", "Saraburi": "สระบุรี", "Satun": "สตูล",
    "Sing Buri": "สิงห์บุรี", "Si Sa Ket": "ศรีสะเกษ", "Songkhla": "สงขลา",
    "Sukhothai": "สุโขทัย", "Suphan Buri": "สุพรรณบุรี", "Surat Thani": "สุราษฎร์ธานี",
    "Surin": "สุรินทร์", "Tak": "ตาก", "Trang": "ตรัง", "Trat": "ตราด",
    "Ubon Ratchathani": "อุบลราชธานี", "Udon Thani": "อุดรธานี", "Uthai Thani": "อุทัยธานี",
    "Uttaradit": "อุตรดิตถ์", "Yala": "ยะลา", "Yasothon": "ยโสธร",
}

SCAM_TYPES = ("online_shopping", "loan", "investment", "call_centre", "impersonation",
              "reward", "malicious_app", "romance", "job", "other")

CONTACT_TYPES = ("phone", "bank_account", "promptpay", "url", "line_id", "facebook", "email", "crypto_wallet")

# What the public check accepts (the kinds /v1/check answers for).
CHECK_TYPES = ("bank_account", "phone", "promptpay", "url")


def province_label(name: str | None, lang: str) -> str:
    if not name:
        return ""
    return PROVINCES.get(name, name) if lang == "th" else name


def province_options(lang: str) -> list[tuple[str, str]]:
    """(value, label) sorted by the label in the visitor's language, Bangkok first."""
    items = sorted(PROVINCES, key=lambda n: (n != "Bangkok", province_label(n, lang)))
    return [(n, province_label(n, lang)) for n in items]


def bank_options(lang: str) -> list[tuple[str, str]]:
    """(code, "004 · ธนาคารกสิกรไทย") in code order."""
    return [(b.code, f"{b.code} · {b.name_th if lang == 'th' else b.name_en}") for b in BANKS.values()]


def bank_label(code: str | None, lang: str) -> str:
    if not code:
        return ""
    bank = BANKS.get(code)
    if bank is None:
        return code
    return bank.name_th if lang == "th" else bank.short
