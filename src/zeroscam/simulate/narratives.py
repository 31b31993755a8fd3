"""Victims' own words: short narratives in Thai (mostly) or English, per scam type."""

from __future__ import annotations

import numpy as np

TH = {
    "online_shopping": [
        "สั่งซื้อสินค้าทางเฟซบุ๊ก โอนเงินไป {amount} บาท เข้าบัญชี {account} แล้วร้านค้าบล็อกไม่ส่งของ",
        "ซื้อโทรศัพท์มือถือจากเพจออนไลน์ โอนเงินมัดจำ {amount} บาท แต่ไม่ได้รับสินค้า ติดต่อไม่ได้",
        "จองบัตรคอนเสิร์ตผ่านไลน์ โอนไป {amount} บาท ที่บัญชี {account} ผู้ขายหายไป",
    ],
    "investment": [
        "มีคนชวนลงทุนเทรดหุ้นผ่านแอป บอกว่าได้ผลตอบแทนสูง โอนไปหลายครั้งรวม {amount} บาท ถอนเงินไม่ได้",
        "เข้ากลุ่มไลน์ลงทุนคริปโต แอดมินให้โอนเงินเพิ่มเพื่อปลดล็อกกำไร รวมเสียหาย {amount} บาท",
    ],
    "job": [
        "สมัครงานออนไลน์กดไลก์สินค้า ได้ค่าคอมครั้งแรก จากนั้นให้โอนเงินทำภารกิจ รวม {amount} บาท ไม่ได้คืน",
        "ได้รับ SMS ชวนทำงานเสริมรายได้ดี ให้โอนค่าสมัคร {amount} บาท เข้าบัญชี {account}",
    ],
    "call_centre": [
        "มีคนโทรมาจากเบอร์ {phone} อ้างเป็นเจ้าหน้าที่ตำรวจ บอกว่าบัญชีพัวพันการฟอกเงิน ให้โอนเงิน {amount} บาท ไปตรวจสอบที่บัญชี {account}",
        "ได้รับโทรศัพท์อ้างเป็นพนักงานขนส่ง DHL ว่ามีพัสดุผิดกฎหมาย แล้วโอนสายไปตำรวจ ให้โอนเงิน {amount} บาท",
        "มีคนโทรมาอ้างเป็นเจ้าหน้าที่กรมสรรพากร บอกว่าได้คืนภาษี ให้โอนเงินยืนยันตัวตน {amount} บาท",
    ],
    "loan": [
        "กู้เงินออนไลน์ผ่านแอป ให้โอนค่าธรรมเนียมก่อน {amount} บาท แล้วไม่ได้รับเงินกู้",
        "ได้ SMS สินเชื่อด่วนไม่เช็คบูโร โอนค่าค้ำประกัน {amount} บาท เข้าบัญชี {account} แล้วติดต่อไม่ได้",
    ],
    "romance": [
        "รู้จักผู้ชายต่างชาติทางแอปหาคู่ คุยกันหลายเดือน ขอให้โอนเงินค่าภาษีพัสดุ รวม {amount} บาท",
        "แฟนที่คุยทางออนไลน์ชวนลงทุนด้วยกัน โอนเงินไปทั้งหมด {amount} บาท",
    ],
    "impersonation": [
        "มีคนโทรมาจากเบอร์ {phone} อ้างเป็นการไฟฟ้า บอกว่าค่าไฟค้างชำระ ให้โอน {amount} บาท",
        "มีไลน์ปลอมเป็นเพื่อนขอยืมเงินด่วน โอนไป {amount} บาท เข้าบัญชี {account}",
    ],
    "reward": [
        "ได้ SMS แจ้งว่าได้รับรางวัล ให้โอนค่าภาษีรางวัล {amount} บาท",
        "มีข้อความว่าได้สิทธิ์รับของรางวัลจากห้าง ต้องโอนค่าจัดส่ง {amount} บาท",
    ],
    "malicious_app": [
        "ได้ SMS ให้กดลิงก์อัปเดตข้อมูล ติดตั้งแอปแล้วเงินในบัญชีหายไป {amount} บาท",
        "มีคนโทรมาอ้างเป็นเจ้าหน้าที่ ให้โหลดแอปเพื่อรับเงินคืน มือถือถูกควบคุม เงินหายไป {amount} บาท",
    ],
}
EN = {
    "online_shopping": ["Bought a phone from a Facebook page, paid {amount} baht to {account}, never got it and the seller blocked me."],
    "investment": ["Joined a LINE group for crypto trading, kept transferring to unlock profits, lost {amount} baht in total."],
    "job": ["Online job liking products; after the first commission they asked for deposits for tasks, lost {amount} baht."],
    "call_centre": ["Someone called from {phone} claiming to be police, said my account was linked to money laundering, I transferred {amount} baht to {account} for checking."],
    "loan": ["Applied for a loan in an app, paid a {amount} baht fee first, never got the loan."],
    "romance": ["Met a man on a dating app, he asked me to pay customs fees for a parcel, {amount} baht in all."],
    "impersonation": ["A caller from {phone} said he was from the electricity authority and I owed {amount} baht."],
    "reward": ["SMS said I won a prize and had to pay {amount} baht tax on it."],
    "malicious_app": ["Clicked an SMS link and installed an app; {amount} baht disappeared from my account."],
}


def narrative(rng: np.random.Generator, scam_type: str, english: bool, amount: float, account: str,
              phone: str) -> str:
    """A victim's short account of what happened."""
    table = EN if english else TH
    choices = table.get(scam_type) or table["online_shopping"]
    text = choices[int(rng.integers(0, len(choices)))]
    return text.format(amount=f"{amount:,.0f}", account=account or "ที่ให้มา" if not english else account or "them",
                       phone=phone or ("ไม่ทราบ" if not english else "an unknown number"))
