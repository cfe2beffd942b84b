"""Pinyin typed for characters: the lexicon built from words, and the text it rewrites."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from triage_model.normalize import normalize
from triage_model.pinyin_words import build_lexicon, pinyin_key, transliterate

if TYPE_CHECKING:
    from triage_model.predictor import TriageModel

WORDS = ["退款"] * 3 + ["退货", "地址", "物流", "一下", "立案", "质量", "快递"]
WORDS += ["我们", "速热", "立刻"]  # spelled like the English words women, sure, like


@pytest.fixture(scope="module")
def lexicon() -> dict[str, str]:
    return build_lexicon([*WORDS, "颜色", "言色", "言色"])


def test_keys_are_toneless_pinyin_run_together() -> None:
    assert pinyin_key("退款") == "tuikuan"
    assert pinyin_key("绿色") == "lvse"


def test_the_most_frequent_word_of_a_pinyin_wins(lexicon: dict[str, str]) -> None:
    assert lexicon["tuikuan"] == "退款"
    # 颜色 and 言色 share "yanse"; 言色 came twice.
    assert lexicon["yanse"] == "言色"


def test_a_key_that_is_one_syllable_is_left_out(lexicon: dict[str, str]) -> None:
    # li'an (立案) is spelled like lian (脸, 连): typed alone it is nearly always one syllable.
    assert "lian" not in lexicon


def test_a_key_that_is_an_english_word_is_left_out(lexicon: dict[str, str]) -> None:
    # women (我们), sure (速热) and like (立刻) are far more often the English words.
    assert {"women", "sure", "like"}.isdisjoint(lexicon)
    assert transliterate("make sure 这个能用 i like it", lexicon) == "make sure 这个能用 i like it"


def test_single_characters_and_latin_words_get_no_key() -> None:
    assert build_lexicon(["脸", "iphone", "快递员a"]) == {}


def test_pinyin_words_become_the_chinese_words(lexicon: dict[str, str]) -> None:
    assert transliterate("tuihuo dizhi fa wo yixia", lexicon) == "退货 地址 fa wo 一下"
    assert transliterate("wuliu信息呢", lexicon) == "物流 信息呢"
    assert transliterate("tuikuan 到哪一步了", lexicon) == "退款 到哪一步了"


def test_pinyin_run_together_is_split_into_words(lexicon: dict[str, str]) -> None:
    assert transliterate("tuihuodizhi", lexicon) == "退货 地址"


def test_full_width_pinyin_is_read_after_normalisation(lexicon: dict[str, str]) -> None:
    assert transliterate(normalize("ｗｕｌｉｕ信息呢？？？"), lexicon).startswith("物流 信息呢")


def test_english_unknown_pinyin_and_placeholders_stay(lexicon: dict[str, str]) -> None:
    text = normalize("iphone 屏幕 not working, 订单号 1234567890123 zhege")
    assert transliterate(text, lexicon) == text
    assert "ORDERNO" in text


def test_short_and_very_long_runs_stay(lexicon: dict[str, str]) -> None:
    assert transliterate("wo fa", lexicon) == "wo fa"
    long_run = "tuikuan" * 6
    assert transliterate(long_run, lexicon) == long_run


def test_an_empty_lexicon_changes_nothing() -> None:
    assert transliterate("tuikuan 到哪一步了", {}) == "tuikuan 到哪一步了"


def test_the_trained_model_reads_pinyin_as_the_words(model: TriageModel) -> None:
    """The artefact carries a lexicon of its training words; pinyin gets the words' answer."""
    for typed, written in [
        ("tuikuan 到哪一步了", "退款 到哪一步了"),
        ("wuliu 一直不更新", "物流 一直不更新"),
        ("zhiliang 太差了 用一天就坏", "质量 太差了 用一天就坏"),
    ]:
        assert model.predict(typed).as_dict() == model.predict(written).as_dict()
