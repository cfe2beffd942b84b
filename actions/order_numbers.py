"""Finding the order number in what a shopper wrote, without mistaking a phone number for it.

Shoppers write the order number beside a phone number ("联系电话13812345678，订单号
2024112212345678"), paste the platform's order card (咨询订单号:… 订单金额:… 下单时间:…),
group digits with spaces, dashes or dots and type full-width digits. A mainland mobile number
has 11 digits and so fits the 10–20 digit order-number shape; taking it files no complaint
("没有查到订单号 13812345678"). So:

1. every run of digits (single spaces, dashes or dots between them) is a candidate; dates and
   times are not;
2. a candidate written as a phone is dropped: 1[3-9] and 9 more digits (also with +86 / 0086,
   grouped 3-4-4, full-width, dotted), a landline 0xx-xxxxxxxx, or any number right after
   电话 / 手机 / Tel / 联系方式 …;
3. a candidate right after 订单 / 单号 / 订单编号 wins, phone-shaped or not; otherwise the only
   candidate left wins;
4. two or more left and none labelled: the form asks which one (``ambiguous``).

Text is read as written (not normalised), so what is cut out of the description is exactly
what the shopper typed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final

ORDER_MIN_DIGITS: Final = 10
ORDER_MAX_DIGITS: Final = 20
#: Shorter runs are what a shopper meant as an order number but mistyped (the form says so).
MALFORMED_MIN_DIGITS: Final = 5

# ``\d`` also matches full-width ０-９. Between two digits at most one separator: a space,
# an ideographic space, a dash (ASCII, full-width, hyphen to horizontal bar) or a dot.
_SEPARATOR: Final = r"[ \u3000\-\uff0d\u2010-\u2015.\uff0e·]"
_DIGIT_RUN: Final = re.compile(rf"(?<!\d)\d(?:{_SEPARATOR}?\d)*(?!\d)")
_SPACES: Final = re.compile(r"[ \u3000]+")
_NON_DIGIT: Final = re.compile(r"\D")
# Dates and times (2024-03-02 14:22:10, 2024年3月2日, 2024/3/2) are blanked before the search:
# the date and the hour of a pasted order card would otherwise read as a 10-digit number.
_DATE_TIME: Final = re.compile(
    r"\d{4}\s?[-/.年\uff0d]\s?\d{1,2}\s?[-/.月\uff0d]\s?\d{1,2}\s?日?"
    r"(?:\s*\d{1,2}\s?[:：]\s?\d{2}(?:\s?[:：]\s?\d{2})?)?"
    r"|\d{1,2}\s?[:：]\s?\d{2}(?:\s?[:：]\s?\d{2})?"
)

# Labels, read on the NFKC-folded, lower-cased text just before a number.
_ORDER_LABEL: Final = re.compile(
    r"(订单编号|订单号码|订单号|订单|单号|order\s*(no|number|id)?\.?)\s*(是|为|:|=|#)?\s*$"
)
_PHONE_LABEL: Final = re.compile(
    r"(电话|手机|手机号|联系方式|联系|号码是|打|拨|致电|来电|call|tel|phone|mobile|whatsapp"
    r"|微信|vx|wx)\s*(号码|号)?\s*(是|为|:|=)?\s*(\+?\s?86|0086)?[\s\-]*$"
)
#: Characters before a number that the label search looks at.
_LABEL_WINDOW: Final = 12
_MOBILE_DIGITS: Final = re.compile(r"(0086|86)?1[3-9]\d{9}")
_LANDLINE: Final = re.compile(r"0\d{2,3}[\-\u2010-\u2015 ]\d{7,8}")


@dataclass(frozen=True)
class NumberCandidate:
    """A run of digits in the shopper's text, with what the words around it say."""

    written: str  # as the shopper wrote it
    digits: str  # ASCII digits only
    labelled_order: bool  # right after 订单号 / 单号 / order no
    phone: bool

    @property
    def order_shaped(self) -> bool:
        return ORDER_MIN_DIGITS <= len(self.digits) <= ORDER_MAX_DIGITS


@dataclass(frozen=True)
class OrderNumberSearch:
    """What a text says about the order number.

    ``order_number`` (digits) and ``written`` (as typed) are set when one candidate is the
    order number; ``ambiguous`` lists the candidates when two or more remain and nothing says
    which; ``malformed`` is a shorter run of digits, maybe a mistyped order number; ``phones``
    are the phone numbers that were passed over.
    """

    order_number: str | None = None
    written: str | None = None
    ambiguous: tuple[str, ...] = ()
    malformed: str | None = None
    phones: tuple[str, ...] = ()


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _digits(written: str) -> str:
    return _NON_DIGIT.sub("", unicodedata.normalize("NFKC", written))


def _is_phone(written: str, digits: str, before: str) -> bool:
    if _PHONE_LABEL.search(before):
        return True
    if _MOBILE_DIGITS.fullmatch(digits):
        return True
    return bool(_LANDLINE.fullmatch(unicodedata.normalize("NFKC", written)))


def _runs(text: str) -> list[tuple[int, str]]:
    """Digit runs as (start, written); runs too long for one number are split at spaces."""
    runs: list[tuple[int, str]] = []
    for match in _DIGIT_RUN.finditer(text):
        written = match.group(0)
        if len(_digits(written)) <= ORDER_MAX_DIGITS or not _SPACES.search(written):
            runs.append((match.start(), written))
            continue
        # "2024112212345678 13812345678": two numbers with a space, not one of 27 digits.
        offset = match.start()
        for part in _SPACES.split(written):
            start = text.index(part, offset)
            runs.append((start, part))
            offset = start + len(part)
    return runs


def candidates(text: str) -> list[NumberCandidate]:
    """Every digit run of ``text`` with 5+ digits, labelled as order number and/or phone."""
    blanked = _DATE_TIME.sub(lambda m: " " * len(m.group(0)), text)
    found: list[NumberCandidate] = []
    for start, raw in _runs(blanked):
        written = raw.rstrip(".·\uff0e -\u3000")
        digits = _digits(written)
        if len(digits) < MALFORMED_MIN_DIGITS:
            continue
        before = _fold(text[max(0, start - _LABEL_WINDOW) : start])
        found.append(
            NumberCandidate(
                written=written,
                digits=digits,
                labelled_order=bool(_ORDER_LABEL.search(before)),
                phone=_is_phone(written, digits, before),
            )
        )
    return found


def search_order_number(text: str) -> OrderNumberSearch:
    """The order number in ``text``, the candidates to ask about, or a malformed number."""
    found = candidates(text)
    phones = tuple(dict.fromkeys(c.digits for c in found if c.phone and not c.labelled_order))
    usable = [c for c in found if c.order_shaped and (c.labelled_order or not c.phone)]
    labelled = [c for c in usable if c.labelled_order]
    pool = labelled or usable
    distinct = list(dict.fromkeys(c.digits for c in pool))
    if len(distinct) == 1:
        chosen = pool[0]
        return OrderNumberSearch(chosen.digits, chosen.written, phones=phones)
    if distinct:
        return OrderNumberSearch(ambiguous=tuple(distinct), phones=phones)
    short = [c for c in found if not c.order_shaped and (c.labelled_order or not c.phone)]
    return OrderNumberSearch(malformed=short[0].written if short else None, phones=phones)
