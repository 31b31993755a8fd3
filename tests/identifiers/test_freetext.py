from zeroscam.identifiers import extract


def kinds(text):
    return [(f.kind, f.value) for f in extract(text)]


def test_thai_examples():
    assert kinds("โอนเงินไปบัญชี 014-9876543210") == [("bank_account", "014-9876543210")]
    assert kinds("เบอร์ 081-234-5678") == [("phone", "+66812345678")]
    assert kinds("บัญชี กสิกร 123-4-56789-0") == [("bank_account", "004-1234567890")]
    assert kinds("แอดไลน์ @dhl-refund ด่วน") == [("line_id", "dhl-refund")]
    assert kinds("ไลน์ @dhl-refund") == [("line_id", "dhl-refund")]
    assert kinds("ไทยพาณิชย์ 987-6-54321-0 พร้อมเพย์ 0899999999") == [
        ("bank_account", "014-9876543210"), ("promptpay", "+66899999999")]
    assert kinds("โอนเข้า ๐๑๔-๙๘๗๖๕๔๓๒๑๐") == [("bank_account", "014-9876543210")]


def test_english_examples():
    text = "Call +855 12 345 678, line id: Scam_Boss99, mail refund@dhl-th.com or see https://dhl-th-refund.com/pay."
    assert kinds(text) == [("phone", "+85512345678"), ("line_id", "scam_boss99"),
                           ("email", "refund@dhl-th.com"), ("url", "https://dhl-th-refund.com/pay")]


def test_spans_point_at_the_original_text():
    text = "โทร 0812345678 1000 บาท วันที่ 2025-03-01"
    found = extract(text)
    assert [(f.kind, f.value) for f in found] == [("phone", "+66812345678")]
    assert text[found[0].start:found[0].end] == found[0].raw == "0812345678"


def test_no_false_positives_on_amounts_and_dates():
    assert kinds("โอน 35,000 บาท เมื่อ 2025-03-01 เวลา 21:40 น.") == []
    assert kinds("order 123456 shipped") == []


def test_bare_domain_and_national_id():
    assert kinds("เข้าเว็บ dhl-refund.co.th/pay แล้วกรอก บัตรประชาชน 1-1017-00230-70-8") == [
        ("url", "http://dhl-refund.co.th/pay"), ("national_id", "1101700230708")]


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

nsn9 = st.builds(lambda p, rest: p + rest, st.sampled_from("689"), st.text("0123456789", min_size=8, max_size=8))


@settings(deadline=None)
@given(nsn9, st.sampled_from(["0{n}", "0{a}-{b}-{c}", "+66 {n}", "0{a} {b} {c}"]),
       st.sampled_from(["เบอร์", "โทร", "phone:", "call", "ติดต่อ"]),
       st.sampled_from(["", " ด่วน", " now.", " โอน 500 บาท"]))
def test_any_written_phone_in_text_is_found_canonical(nsn, form, keyword, tail):
    written = form.format(n=nsn, a=nsn[:2], b=nsn[2:5], c=nsn[5:])
    text = f"{keyword} {written}{tail}"
    found = [f for f in extract(text) if f.kind == "phone"]
    assert [f.value for f in found] == ["+66" + nsn]
    assert text[found[0].start:found[0].end] == found[0].raw


@settings(deadline=None)
@given(st.sampled_from(["กสิกร", "KBank", "ธนาคารกสิกรไทย", "kasikorn"]), st.text("0123456789", min_size=10, max_size=10))
def test_bank_name_then_number(name, digits):
    text = f"โอนเข้าบัญชี {name} เลขที่ {digits[:3]}-{digits[3]}-{digits[4:9]}-{digits[9]} ค่ะ"
    assert kinds(text) == [("bank_account", f"004-{digits}")]


def test_online_is_not_line():
    assert kinds("ซื้อของออนไลน์ 500 บาท") == []
    assert kinds("online shopping deadline 2025") == []
    assert kinds("ไลน์ไอดี: somchai.99 หรือ LINE: @shop") == [("line_id", "somchai.99"), ("line_id", "shop")]


def test_ambiguous_bank_names():
    assert kinds("อยู่กรุงเทพ 0812345678") == [("phone", "+66812345678")]
    assert kinds("โอนเข้าบัญชีกรุงเทพ 123-4-56789-0") == [("bank_account", "002-1234567890")]
    assert kinds("bought on ebay 123-4-56789-0") == []
    assert kinds("hotel 0812345678") == [("phone", "+66812345678")]
