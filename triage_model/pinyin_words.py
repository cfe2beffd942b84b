"""Pinyin typed instead of characters (tuikuan, wuliu xinxi) read as the Chinese words.

Shoppers on a phone without a Chinese keyboard, or in a hurry, type the pinyin of a word:
"tuihuo dizhi fa wo yixia", "ｗｕｌｉｕ信息呢". The features and rules know 退货 and 物流, not
``tuihuo`` and ``wuliu``, so such a message lost its words and usually its category. The
labels guide names pinyin among the text the classifier must handle.

The lexicon is built when the model is trained, from the words of the training data itself
(each word's toneless pinyin → the most frequent word with that pinyin), so it only ever
produces words the model has weights for, and it is stored in the model artefact. pypinyin
is needed to build it; predicting is a dictionary look-up per Latin word of the message.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Mapping

#: A word worth a pinyin key: two to four Chinese characters and nothing else.
_CHINESE_WORD = re.compile(r"[\u4e00-\u9fff]{2,4}")
#: Runs of lower-case Latin letters in a normalised text (placeholders are upper-case).
_LATIN_RUN = re.compile(r"(?<![A-Za-z0-9])[a-z]+(?![A-Za-z0-9])")
#: Shorter keys are too often English or an abbreviation (wifi, line): 4 letters and more.
MIN_KEY_LETTERS = 4
#: A run is split into at most this many lexicon words (tuihuodizhi → 退货 地址).
_MAX_PIECES = 4
#: Longer runs are no typed words (a pasted code, a key held down) and stay as they are.
_MAX_RUN_LETTERS = 32


def pinyin_key(word: str) -> str:
    """The toneless pinyin of ``word`` run together, as shoppers type it (绿色 → lvse)."""
    from pypinyin import Style, lazy_pinyin

    return "".join(lazy_pinyin(word, style=Style.NORMAL, errors="ignore"))


@functools.lru_cache(maxsize=1)
def character_sounds() -> dict[str, str]:
    """Every CJK character (basic block and extension A) → its commonest toneless pinyin.

    Built once per process (about 0.2 s). The pinyin features (``segment.PinyinGrams``) keep
    it in the model artefact, so that predicting needs no pypinyin, and a typo character the
    training data never had still has its sound.
    """
    from pypinyin import Style, lazy_pinyin

    table: dict[str, str] = {}
    for code in (*range(0x3400, 0x4DC0), *range(0x4E00, 0xA000)):
        sound = lazy_pinyin(chr(code), style=Style.NORMAL, errors="ignore")
        if sound:
            table[chr(code)] = sound[0]
    return table


def build_lexicon(words: Iterable[str]) -> dict[str, str]:
    """Pinyin key → the most frequent word with that pinyin among ``words`` (with repeats).

    A key that is also one syllable (li'an 立案 and lian 脸) is left out: typed alone, it is
    far more often the one character. So is a key that is an English word (sure 速热, like 立刻,
    women 我们), by the GCIDE word list the ``english-words`` package ships: shoppers mix in
    English words as often as pinyin. Ties go to the word seen first, so the lexicon is the
    same for the same data.
    """
    from english_words import get_english_words_set

    counts = Counter(w for w in words if _CHINESE_WORD.fullmatch(w))
    syllables = {sound for ch, sound in character_sounds().items() if ch >= "\u4e00"}
    english = get_english_words_set(["gcide"], lower=True, alpha=True)
    best: dict[str, tuple[int, str]] = {}
    for word, count in counts.items():
        key = pinyin_key(word)
        if len(key) < MIN_KEY_LETTERS or key in syllables or key in english:
            continue
        if key not in best or count > best[key][0]:
            best[key] = (count, word)
    return {key: word for key, (_count, word) in sorted(best.items())}


def _split(run: str, lexicon: Mapping[str, str]) -> list[str] | None:
    """The fewest lexicon words whose keys spell ``run`` exactly, or None."""
    fewest: list[list[str] | None] = [None] * (len(run) + 1)
    fewest[0] = []
    for end in range(MIN_KEY_LETTERS, len(run) + 1):
        for start in range(0, end - MIN_KEY_LETTERS + 1):
            before = fewest[start]
            word = lexicon.get(run[start:end])
            if before is None or word is None or len(before) >= _MAX_PIECES:
                continue
            current = fewest[end]
            if current is None or len(before) + 1 < len(current):
                fewest[end] = [*before, word]
    return fewest[len(run)]


def transliterate(normalized_text: str, lexicon: Mapping[str, str]) -> str:
    """Replace each Latin word spelling known pinyin with its Chinese word(s).

    English words, and pinyin the training data never had, stay as they are. An empty lexicon
    (a model trained before this step) changes nothing.
    """
    if not lexicon or not _LATIN_RUN.search(normalized_text):
        return normalized_text

    def replace(match: re.Match[str]) -> str:
        run = match.group(0)
        if not MIN_KEY_LETTERS <= len(run) <= _MAX_RUN_LETTERS:
            return run
        pieces = _split(run, lexicon)
        return f" {' '.join(pieces)} " if pieces else run

    return re.sub(r" {2,}", " ", _LATIN_RUN.sub(replace, normalized_text)).strip()
