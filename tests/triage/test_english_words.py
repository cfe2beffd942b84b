"""English shop words are read as Chinese ones, and the glossary stays clean."""

import re

import pytest

from triage_model.english_words import MAX_PHRASE_WORDS, glossary, translate
from triage_model.normalize import normalize
from triage_model.pinyin_words import character_sounds


def test_every_entry_is_lower_case_english_to_chinese() -> None:
    entries = glossary()
    assert len(entries) > 250
    for english, chinese in entries.items():
        assert re.fullmatch(r"[a-z]+(?:'[a-z]+)?( [a-z]+(?:'[a-z]+)?)*", english), english
        assert len(english.split()) <= MAX_PHRASE_WORDS, english
        assert re.search(r"[\u4e00-\u9fff]", chinese), english


def test_no_single_word_entry_is_a_pinyin_syllable() -> None:
    """Typed alone, fan, men or hen are more often pinyin than English."""
    syllables = set(character_sounds().values())
    assert [e for e in glossary() if " " not in e and e in syllables] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("快递一直not updated", "快递一直 没更新 "),
        ("never received it", " 一直没收到  it"),  # the phrase wins over "received"
        ("doesn't work", " 不能用 "),
        ("doesn\u2019t work", " 不能用 "),  # a typographic apostrophe
        ("refund还没到账", " 退款 还没到账"),
    ],
)
def test_known_words_and_phrases_become_chinese(text: str, expected: str) -> None:
    assert translate(text) == expected


def test_unknown_english_placeholders_and_chinese_stay() -> None:
    assert translate("收到的货有问题") == "收到的货有问题"
    assert translate("the thing lol") == "the thing lol"
    assert translate("ORDERNO PHONENO") == "ORDERNO PHONENO"


def test_words_split_by_punctuation_are_no_phrase() -> None:
    assert translate("never, received") == " 从来没 ,  收到 "


def test_normalisation_reads_english_for_the_rules_and_features() -> None:
    assert normalize("going to call my lawyer") == "going to call my 律师"
    assert normalize("Wrong item received") == "发错货 收到"
    assert normalize("tuihuo dizhi") == "tuihuo dizhi"  # pinyin is left to the pinyin step
