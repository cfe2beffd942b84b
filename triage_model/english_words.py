"""English shop words read as the Chinese words the model and the rules know.

Shoppers mix English into their Chinese ("size不对", "refund还没到账", "快递一直not updated") or
write in English altogether, and the labels guide lists English words among the text the
classifier must handle. The training data has few, so the features have no weight for
"refund" and the urgency rules cannot see "lawyer" or "hospital". A glossary written for
this project (``userdict/english_words.txt``, about 440 entries from the guide's vocabulary)
turns known English words and phrases into Chinese ones during normalisation, so that the
rules, the features and the pinyin step all read them. Unknown English stays as typed.
"""

from __future__ import annotations

import functools
import re
from importlib import resources
from typing import Final

#: Latin words as normalisation leaves them (lower case); an apostrophe may sit inside.
_WORD: Final = re.compile(r"(?<![A-Za-z0-9])[a-z]+(?:'[a-z]+)?(?![A-Za-z0-9])")
#: The longest glossary phrase, in words.
MAX_PHRASE_WORDS: Final = 3


@functools.lru_cache(maxsize=1)
def glossary() -> dict[str, str]:
    """English phrase (words joined by one space) → Chinese, read once from the package."""
    text = (
        resources.files("triage_model")
        .joinpath("userdict/english_words.txt")
        .read_text(encoding="utf-8")
    )
    entries: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        english, separator, chinese = line.partition("\t")
        if not separator or not english or not chinese.strip():
            raise ValueError(f"english_words.txt line {number}: expected 'english<TAB>中文'")
        key = " ".join(english.split())
        if key in entries:
            raise ValueError(f"english_words.txt line {number}: {key!r} is there twice")
        entries[key] = chinese.strip()
    return entries


def translate(normalized_text: str) -> str:
    """Replace the glossary's English words and phrases in ``normalized_text`` with Chinese.

    Phrases of up to three words separated by single spaces are tried longest first
    ("never received" before "received"). Text without Latin letters is returned as it is.
    """
    source = normalized_text.replace("\u2019", "'")  # a typographic apostrophe (doesn’t)
    words = list(_WORD.finditer(source))
    if not words:
        return normalized_text
    entries = glossary()
    pieces: list[str] = []
    position = 0
    index = 0
    while index < len(words):
        for length in range(min(MAX_PHRASE_WORDS, len(words) - index), 0, -1):
            run = words[index : index + length]
            if any(source[a.end() : b.start()] != " " for a, b in zip(run, run[1:])):
                continue
            chinese = entries.get(" ".join(w.group(0) for w in run))
            if chinese is not None:
                pieces.append(source[position : run[0].start()])
                pieces.append(f" {chinese} ")
                position = run[-1].end()
                index += length
                break
        else:
            index += 1
    if not pieces:
        return normalized_text
    pieces.append(source[position:])
    return "".join(pieces)
