"""What a typed text may contain before it is stored: no control or bidi-override characters,
NFC-normalised.

U+202E (right-to-left override) makes an agent read "退款已到账" where the shopper's own
words run backwards, a NUL byte breaks PostgreSQL, and invisible characters make two equal
texts compare unequal. Newlines and tabs stay (a shopper lists items on lines), and so does
U+200D, the zero-width joiner that holds family and flag emoji together. NFC (not NFKC) keeps
full-width punctuation as typed: it is how Chinese is written.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

#: C0/C1 controls except tab and newline; bidi embeddings, overrides, isolates and marks;
#: zero-width space and no-break, the BOM, line/paragraph separators; lone surrogates.
_UNWANTED: Final = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"
    "\u061c\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
    "\ud800-\udfff]"
)


def clean_text(text: str) -> str:
    """``text`` without unwanted characters, ``\\r\\n`` as ``\\n``, NFC-normalised."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", _UNWANTED.sub("", text))
