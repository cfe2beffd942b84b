"""Pinyin syllable features: a same-sound typo keeps them, and they travel inside the model."""

import pickle

from triage_model.features import build_features
from triage_model.normalize import normalize
from triage_model.pinyin_words import character_sounds
from triage_model.segment import PinyinGrams


def test_every_common_character_has_its_toneless_sound() -> None:
    sounds = character_sounds()
    assert sounds["退"] == sounds["推"] == "tui"
    assert sounds["绿"] == "lv"
    assert len(sounds) > 20_000  # the basic block and extension A


def test_a_homophone_typo_leaves_the_pinyin_grams_unchanged() -> None:
    grams = PinyinGrams(character_sounds())
    assert grams(normalize("收到的耳机没声音，要退货")) == grams(
        normalize("收到的耳机没生音，要推货")
    )
    assert "tui_huo" in grams("要退货")


def test_letters_and_digits_end_a_run() -> None:
    grams = PinyinGrams(character_sounds())
    assert grams(normalize("退货 abc 12 物流")) == ["tui_huo", "wu_liu"]
    assert grams("") == []


def test_the_sound_table_is_pickled_with_the_features() -> None:
    features = build_features("words+chars+pinyin")
    features.fit([normalize("要退货"), normalize("物流太慢")])
    restored = pickle.loads(pickle.dumps(features))
    analyzer = restored.transformer_list[2][1].analyzer
    assert isinstance(analyzer, PinyinGrams) and analyzer.sounds["退"] == "tui"
    assert (restored.transform([normalize("要推货")]) != 0).nnz > 0
