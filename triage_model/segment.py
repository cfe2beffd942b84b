"""jieba word segmentation with the shop vocabulary, and the analyzers the features use.

jieba's global tokenizer is shared process state; we use our own ``jieba.Tokenizer`` so that
loading our user dictionary cannot change anyone else's segmentation. The analyzers are
module-level functions (not lambdas) so that a fitted scikit-learn pipeline pickles.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
import threading
import unicodedata
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from triage_model.normalize import PLACEHOLDERS

_lock = threading.Lock()
_KEEP_CHAR = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbfa-z0-9]")


def user_dictionary_path() -> Path:
    """Path of the packaged shop vocabulary (also given to Rasa's JiebaTokenizer)."""
    return Path(str(resources.files("triage_model").joinpath("userdict/shop_words.txt")))


@functools.lru_cache(maxsize=1)
def tokenizer() -> Any:
    """The project's jieba tokenizer, built once (about a second) on first use."""
    with _lock:
        import jieba

        logging.getLogger("jieba").setLevel(logging.WARNING)
        jieba.setLogLevel(logging.WARNING)
        instance = jieba.Tokenizer()
        instance.initialize()
        instance.load_userdict(str(user_dictionary_path()))
        return instance


def _is_word(token: str) -> bool:
    """A token worth a feature: has a letter, digit or Chinese character and is no placeholder."""
    return token not in PLACEHOLDERS and any(unicodedata.category(ch)[0] in "LN" for ch in token)


#: Segmentations remembered while :func:`remembered_words` is active (training), else None.
_remembered: dict[str, tuple[str, ...]] | None = None


@contextlib.contextmanager
def remembered_words() -> Iterator[None]:
    """Segment each distinct text once while the block runs (training), then forget.

    Cross-validation fits the features on every fold of every compared pipeline, so each
    training text is segmented some thirty times; jieba was about 45 % of ``train``'s time.
    Prediction never enters this block: nothing is kept between requests.
    """
    global _remembered
    previous, _remembered = _remembered, {}
    try:
        yield
    finally:
        _remembered = previous


def words(normalized_text: str) -> list[str]:
    """jieba words of a normalised text, without punctuation, emoji, spaces or placeholders."""
    memory = _remembered
    if memory is not None:
        known = memory.get(normalized_text)
        if known is None:
            known = memory[normalized_text] = tuple(_segment(normalized_text))
        return list(known)
    return _segment(normalized_text)


def _segment(normalized_text: str) -> list[str]:
    return [t for t in tokenizer().lcut(normalized_text, HMM=True) if _is_word(t)]


def _kept_chars(normalized_text: str) -> list[str]:
    for token in PLACEHOLDERS:
        normalized_text = normalized_text.replace(token, " ")
    return _KEEP_CHAR.findall(normalized_text)


def char_ngrams(normalized_text: str) -> list[str]:
    """Character 1–3-grams over the Chinese, Latin and digit characters of a normalised text.

    Punctuation, emoji and placeholders are dropped first, so they cannot move the label, and
    character n-grams catch typos and words jieba splits oddly.
    """
    chars = _kept_chars(normalized_text)
    grams = list(chars)
    grams.extend(a + b for a, b in zip(chars, chars[1:]))
    grams.extend(a + b + c for a, b, c in zip(chars, chars[1:], chars[2:]))
    return grams


def char_ngrams_1_4(normalized_text: str) -> list[str]:
    """Character 1–4-grams (see :func:`char_ngrams`); compared by ``bench/triage_choices.py``."""
    chars = _kept_chars(normalized_text)
    grams = char_ngrams(normalized_text)
    grams.extend("".join(chars[i : i + 4]) for i in range(len(chars) - 3))
    return grams


class PinyinGrams:
    """Toneless pinyin syllable pairs and triples of a text's kept characters (an analyzer).

    A pinyin keyboard's commonest slip is the right sound on the wrong character (推货 for
    退货, 没生音 for 没声音): words and character n-grams lose the word, its sound does not.
    Pairs and triples, because one syllable stands for dozens of characters. A class holding
    its table, not a module function, so that the table travels inside the pickled model.
    Characters without a sound (Latin letters, digits) end a run: the character n-grams
    already read them.
    """

    def __init__(self, sounds: dict[str, str]) -> None:
        self.sounds = sounds

    def __call__(self, normalized_text: str) -> list[str]:
        sounds = self.sounds
        grams: list[str] = []
        a = b = None
        for ch in _kept_chars(normalized_text):
            c = sounds.get(ch)
            if c is not None and b is not None:
                grams.append(f"{b}_{c}")
                if a is not None:
                    grams.append(f"{a}_{b}_{c}")
            a, b = b, c
        return grams
