"""Text normalisation applied before rules and features.

Shoppers type full-width characters, Traditional or Simplified Chinese, and paste order
numbers, phone numbers and links. The classifier should see one spelling of each word and
never learn from the digits of an order or a phone number, so those become placeholder
tokens here. Placeholders are ASCII words so that jieba keeps them whole.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Protocol

from triage_model import english_words

ORDER_TOKEN = "ORDERNO"
PHONE_TOKEN = "PHONENO"
TRACKING_TOKEN = "TRACKNO"
CASE_TOKEN = "CASENO"
URL_TOKEN = "URLLINK"
CODE_TOKEN = "CODENO"
PLACEHOLDERS = frozenset(
    {ORDER_TOKEN, PHONE_TOKEN, TRACKING_TOKEN, CASE_TOKEN, URL_TOKEN, CODE_TOKEN}
)

#: Numbers that are words in this domain (the consumer hotline, the police) and stay as they are.
MEANINGFUL_NUMBERS = frozenset({"12315", "315", "110", "120", "12345"})

_URL = re.compile(r"(?:https?://|www\.)[^\s\u3000-\u303f\uff00-\uffef，。！？]+", re.IGNORECASE)
# Mainland mobile numbers, optionally +86, optionally grouped 3-4-4; landlines 0xx-xxxxxxxx.
_PHONE = re.compile(
    r"(?<![\dA-Za-z])(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d){8}(?!\d)"
    r"|(?<![\dA-Za-z])0\d{2,3}-\d{7,8}(?!\d)"
)
# Our own case numbers (handoff.case_numbers: TS241122-7KQ3), read after lower-casing. Without
# this, their date would become NUM6 and look like a large amount of money to the rules.
_CASE = re.compile(r"(?<![a-z0-9])ts ?\d{6} ?[-_]? ?[0-9a-z]{4}(?![a-z0-9])")
# Courier tracking numbers: a few letters then many digits (SF1234567890123, JT0001234567890).
_TRACKING = re.compile(r"(?<![A-Za-z])[A-Za-z]{1,4}\d{8,}(?!\d)")
# Short codes: a few letters then 3–7 digits (售后单号TK88392, 型号X200). Without this their
# digits would become NUM5 and read as a large amount of money to the rules.
_CODE = re.compile(r"(?<![a-z0-9])[a-z]{1,4}\d{3,7}(?![\d.])")
# Order numbers: 10 to 20 digits, possibly grouped with spaces or dashes.
_ORDER = re.compile(r"(?<!\d)\d(?:[ -]?\d){9,19}(?!\d)")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# Marks that platforms put in exported chats in place of personal and numeric details (read
# after lower-casing). Without this, "orderid" and "e-s" would be letters the model never
# saw in training, and an exported order card would read as English.
_EXPORT_MARKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"#e-s\[[^\]\s]{0,8}\]"), " "),  # an emoji
    (re.compile(r"\[orderid_\d+\]"), f" {ORDER_TOKEN} "),
    (re.compile(r"\[(?:电话|手机|手机号)x\]"), f" {PHONE_TOKEN} "),
    (re.compile(r"\[链接x\]"), f" {URL_TOKEN} "),
    # A hidden number or amount reads as 几 (几天, 几万), which keeps the unit beside it.
    (re.compile(r"\[(?:数字|金额)x\]"), "几"),
    (re.compile(r"\[(?:日期|时间|姓名)x\]"), " "),
    (re.compile(r"\[(地址|站点)x\]"), r"\1"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\ufeff]")
_SPACES = re.compile(r"\s+")


class _Converter(Protocol):
    def convert(self, text: str) -> str: ...


@functools.lru_cache(maxsize=1)
def _traditional_to_simplified() -> _Converter:
    """OpenCC's Traditional → Simplified converter, built once on first use (not at import)."""
    import opencc

    converter: _Converter = opencc.OpenCC("t2s")
    return converter


def strip_control_characters(text: str) -> str:
    """Remove control and invisible formatting characters (keeps tabs and newlines)."""
    return _CONTROL.sub("", text)


def _number_token(match: re.Match[str]) -> str:
    digits = match.group(0)
    if digits in MEANINGFUL_NUMBERS or len(digits) <= 2 or "." in digits:
        return digits
    # Amounts matter (50 元 vs 5000 元) but their exact digits do not: keep the magnitude only.
    return f" NUM{len(digits)} "


def normalize(text: str) -> str:
    """Return the canonical form of ``text`` that rules and features read.

    Steps: NFKC (full-width → half-width), control characters removed, Traditional →
    Simplified, a platform export's marks read as what they hide, links, phone, case,
    tracking and order numbers and short letter-digit codes → placeholders, English shop
    words → Chinese (``english_words``), other long numbers → a magnitude token, whitespace
    collapsed. English is lower-cased first so that
    the placeholders, added after, stay upper-case.
    """
    text = unicodedata.normalize("NFKC", text)
    text = strip_control_characters(text)
    text = _traditional_to_simplified().convert(text).lower()
    if "[" in text:
        for mark, replacement in _EXPORT_MARKS:
            text = mark.sub(replacement, text)
    text = _URL.sub(f" {URL_TOKEN} ", text)
    text = _PHONE.sub(f" {PHONE_TOKEN} ", text)
    text = _CASE.sub(f" {CASE_TOKEN} ", text)
    text = _TRACKING.sub(f" {TRACKING_TOKEN} ", text)
    text = _ORDER.sub(f" {ORDER_TOKEN} ", text)
    text = _CODE.sub(f" {CODE_TOKEN} ", text)
    text = english_words.translate(text)
    text = _NUMBER.sub(_number_token, text)
    return _SPACES.sub(" ", text).strip()


def mask_personal_data(text: str) -> str:
    """Mask phone numbers for logs (138****5678): logs must not carry shoppers' numbers."""

    def _mask(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        if len(digits) == 13 and digits.startswith("86"):
            digits = digits[2:]
        return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 7 else "****"

    return _PHONE.sub(_mask, text)
