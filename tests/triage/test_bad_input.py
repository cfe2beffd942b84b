"""Input that cannot be classified gets a clear error with a code, never a traceback."""

from __future__ import annotations

import pytest

from triage_model.errors import InvalidText
from triage_model.predictor import MAX_TEXT_CHARS, TriageModel


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty_text"),
        ("   \n\t  ", "empty_text"),
        ("\x00\x01\x02", "empty_text"),
        ("好" * 100_000, "text_too_long"),
        ("😡😡😭👍", "no_words"),
        ("！？。……", "no_words"),
        (12345, "not_text"),
        (None, "not_text"),
    ],
)
def test_invalid_text_has_a_code_and_a_kind_chinese_message(
    model: TriageModel, text: object, code: str
) -> None:
    with pytest.raises(InvalidText) as caught:
        model.predict(text)  # type: ignore[arg-type]
    assert caught.value.code == code
    assert caught.value.message_zh  # shown to shoppers: must exist and be Chinese
    assert any("\u4e00" <= ch <= "\u9fff" for ch in caught.value.message_zh)


def test_longest_allowed_text_is_classified(model: TriageModel) -> None:
    text = ("快递一直没到，" * MAX_TEXT_CHARS)[:MAX_TEXT_CHARS]
    assert model.predict(text).category == "logistics"


def test_control_characters_are_removed_with_a_warning(model: TriageModel) -> None:
    prediction = model.predict("快递\x07一直没\x00到")
    assert prediction.category == "logistics"
    assert "control_characters_removed" in prediction.warnings


def test_markup_is_just_text(model: TriageModel) -> None:
    prediction = model.predict("<img src=x onerror=alert(1)> 快递一直没到")
    assert prediction.category == "logistics"


def test_batch_keeps_going_past_bad_items(model: TriageModel) -> None:
    results = model.triage_batch(["快递没到", "", "😡", "退款没到账"])
    assert [type(r).__name__ for r in results] == [
        "TriagePrediction",
        "InvalidText",
        "InvalidText",
        "TriagePrediction",
    ]


def test_predict_many_raises_on_bad_items(model: TriageModel) -> None:
    with pytest.raises(InvalidText):
        model.predict_many(["快递没到", ""])
