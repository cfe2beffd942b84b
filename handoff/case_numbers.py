"""Case numbers shoppers can read out over the phone: ``TS241122-7KQ3``.

``TS`` (投诉) + the China date the case was opened + four characters from an alphabet without
look-alikes (no 0/O, 1/I/L). 31⁴ ≈ 920 000 numbers a day make a clash rare; the unique
constraint catches the rare one and :func:`handoff.cases.open_case` draws again.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from datetime import datetime
from typing import Final

from handoff.clock import CHINA_TZ, as_utc

PREFIX: Final = "TS"
ALPHABET: Final = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_SUFFIX_LENGTH: Final = 4
_PATTERN: Final = re.compile(rf"{PREFIX}\d{{6}}-[{ALPHABET}]{{{_SUFFIX_LENGTH}}}")


def new_case_number(opened_at: datetime) -> str:
    """A fresh random case number for a case opened at ``opened_at``."""
    day = as_utc(opened_at).astimezone(CHINA_TZ).strftime("%y%m%d")
    suffix = "".join(secrets.choice(ALPHABET) for _ in range(_SUFFIX_LENGTH))
    return f"{PREFIX}{day}-{suffix}"


def normalize_case_number(raw: str) -> str | None:
    """The canonical case number in ``raw`` (any case, full-width, spaces), or None."""
    text = re.sub(r"[\s_]+", "", unicodedata.normalize("NFKC", raw)).upper()
    text = re.sub(r"[‐‑‒–—―]", "-", text)
    if re.fullmatch(rf"{PREFIX}\d{{6}}[{ALPHABET}]{{{_SUFFIX_LENGTH}}}", text):
        text = f"{text[:8]}-{text[8:]}"
    return text if _PATTERN.fullmatch(text) else None
