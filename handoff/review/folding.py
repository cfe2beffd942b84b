"""The key that folds repeats of one message into one inbox item.

Two messages fold when they read the same after the triage model's own normalisation
(full-width, Traditional → Simplified, order and phone numbers as placeholders), with case,
punctuation, emoji and spaces ignored: "快递丢了！！" and "快遞丟了" are one item.
"""

from __future__ import annotations

import unicodedata
from typing import Final

from triage_model.normalize import normalize

MAX_KEY_CHARS: Final = 400


def fold_key(text: str) -> str:
    """The folding key of ``text`` (letters and digits of its normalised form)."""
    normalized = normalize(text)
    kept = "".join(ch for ch in normalized if unicodedata.category(ch)[0] in "LN")
    return (kept or normalized or text.strip())[:MAX_KEY_CHARS]
