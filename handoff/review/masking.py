"""What the inbox may show of a shopper's message: phone numbers and addresses masked.

Masking happens when an item is captured, so neither the review tables nor the files a
trainer exports into ``nlu_data/`` (committed like code) ever hold a readable number or
address. The classifiers lose nothing: they replace phone numbers with a placeholder anyway,
and an address says nothing about a complaint's category.
"""

from __future__ import annotations

import re
from typing import Final

from triage_model.normalize import mask_personal_data

ADDRESS_MASK: Final = "[地址]"

_NUM = r"[0-9０-９一二三四五六七八九十百零〇两]+"
# A street address: optional province/city/district words, a road, a house number, and any
# building / unit / room after it (北京市朝阳区建国路88号3栋2单元501室).
_STREET = re.compile(
    r"(?:[\u4e00-\u9fff]{1,8}?(?:省|自治区|市|区|县|镇|乡|街道))*"
    r"[\u4e00-\u9fffA-Za-z0-9]{1,12}?(?:路|街|大道|大街|巷|弄|胡同)"
    rf"{_NUM}(?:号|號)"
    rf"(?:\s*(?:{_NUM}|[A-Za-z])+(?:号楼|栋|幢|座|单元|楼|层|室|号|户))*"
)
# A housing estate with its building and flat (阳光小区3栋501, 幸福花园2号楼1单元).
_ESTATE = re.compile(
    r"[\u4e00-\u9fff]{1,10}?(?:小区|花园|公寓|大厦|新村|家园|苑)"
    rf"(?:\s*(?:{_NUM}|[A-Za-z])+(?:号楼|栋|幢|座|单元|楼|层|室|号|户)?)+"
)
# "地址是……": whatever follows the word 地址, up to the end of the clause ("寄到……" is
# left to the street and estate patterns: the rest of that clause is the complaint).
_ANNOUNCED = re.compile(
    r"((?:收货|收件|家庭|送货|我的|我家)?(?:地址|住址)(?:是|为|在|改成|改为)?[:：]?\s*)"
    r"([^，。,.!！?？;；\n]{4,60})"
)


def mask_address(text: str) -> str:
    """Replace postal addresses with ``[地址]``."""
    text = _ANNOUNCED.sub(lambda m: m.group(1) + ADDRESS_MASK, text)
    text = _STREET.sub(ADDRESS_MASK, text)
    return _ESTATE.sub(ADDRESS_MASK, text)


def mask_for_review(text: str) -> str:
    """Phone numbers (138****5678) and addresses ([地址]) masked."""
    return mask_address(mask_personal_data(text))
