"""What enters the inbox and why: each reason, folding, masking, agent corrections."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.case_work import correct_triage
from handoff.cases import TriageSummary, open_case
from handoff.review.capture import (
    AMBIGUITY_MARGIN,
    FALLBACK_THRESHOLD,
    follow_up_reasons,
    intent_guess,
    intent_reasons,
    record_item,
    triage_reasons,
)
from handoff.review.folding import fold_key
from handoff.review.masking import mask_for_review
from handoff.review.models import ReviewItem
from handoff.review.triage_capture import record_screening

REPO = Path(__file__).resolve().parents[2]


def parse(*ranking: tuple[str, float]) -> dict[str, object]:
    """Rasa's parse_data for a ranking (the top entry is the intent)."""
    return {
        "intent": {"name": ranking[0][0], "confidence": ranking[0][1]},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
    }


def test_thresholds_match_the_assistants_fallback_classifier() -> None:
    config = (REPO / "bot" / "config.yml").read_text(encoding="utf-8")
    block = config[config.index("name: FallbackClassifier") :]
    threshold = float(re.search(r"threshold:\s*([0-9.]+)", block).group(1))  # type: ignore[union-attr]
    assert threshold == FALLBACK_THRESHOLD
    assert AMBIGUITY_MARGIN >= 0.05  # at least the classifier's own ambiguity threshold


def test_confident_clear_intent_has_no_reason() -> None:
    guess = intent_guess(parse(("complain", 0.92), ("check_progress", 0.03)))
    assert guess is not None
    assert intent_reasons(guess) == []


def test_low_confidence_and_ambiguous() -> None:
    low = intent_guess(parse(("complain", 0.40), ("check_progress", 0.10)))
    assert low is not None and intent_reasons(low) == ["low_confidence"]
    close = intent_guess(parse(("complain", 0.50), ("check_progress", 0.45)))
    assert close is not None and intent_reasons(close) == ["ambiguous"]


def test_fallback_reports_the_best_real_intent_under_it() -> None:
    guess = intent_guess(parse(("nlu_fallback", 0.45), ("complain", 0.30), ("greet", 0.10)))
    assert guess is not None
    assert guess.intent == "complain" and guess.fallback
    assert intent_reasons(guess) == ["fallback", "low_confidence"]
    assert guess.predicted()["intent"] == "complain"


def test_message_before_a_rephrasing_or_a_human_request() -> None:
    assert follow_up_reasons("快递怎么还不到", "快递怎么还没到啊", "complain") == ["rephrased"]
    assert follow_up_reasons("我那个东西", "转人工", "request_human") == ["asked_for_human"]
    assert follow_up_reasons("你好", "我的电饭煲坏了", "complain") == []


def test_triage_reasons() -> None:
    assert triage_reasons(0.9, 0.05, 0.43) == []
    assert triage_reasons(0.45, 0.05, 0.43) == ["low_category_confidence"]
    assert triage_reasons(0.9, 0.40, 0.43) == ["urgency_borderline"]
    assert triage_reasons(0.9, 0.50, 0.43) == ["urgency_borderline"]


def test_phone_numbers_and_addresses_are_masked() -> None:
    shown = mask_for_review("电话13812345678，地址是北京市朝阳区建国路88号3栋2单元501室，快点寄")
    assert "13812345678" not in shown and "138****5678" in shown
    assert "建国路" not in shown and "[地址]" in shown
    assert "[地址]" in mask_for_review("寄到杭州市西湖区文三路100号")
    assert "501" not in mask_for_review("我住阳光小区3栋501，放门口")
    assert mask_for_review("电饭煲不加热了") == "电饭煲不加热了"


def test_folding_ignores_punctuation_script_and_numbers() -> None:
    assert fold_key("快递丢了！！") == fold_key("快遞丟了") == fold_key(" 快递 丢了 ")
    assert fold_key("订单2024112212345678没到") == fold_key("订单 2023 0101 9999 8888 没到")


def test_repeats_fold_into_one_item_with_a_count(session: Session) -> None:
    for text in ("快递丢了！！", "快遞丟了", "快递丢了"):
        record_item(
            session,
            kind="intent",
            text=text,
            reasons=["low_confidence"],
            predicted={"intent": "complain", "intent_confidence": 0.3},
            uncertainty=0.7,
        )
    record_item(
        session,
        kind="intent",
        text="快递丢了",
        reasons=["rephrased"],
        predicted={"intent": "complain", "intent_confidence": 0.3},
        uncertainty=0.7,
    )
    items = list(session.scalars(select(ReviewItem)))
    assert len(items) == 1
    assert items[0].count == 4
    assert items[0].reasons == ["low_confidence", "rephrased"]
    assert items[0].text == "快递丢了！！"  # the first wording is what the trainer reads


def test_stored_text_never_holds_the_phone_number(session: Session) -> None:
    item = record_screening(
        session,
        text="我电话13812345678，东西好像坏了",
        category="quality",
        category_confidence=0.41,
        urgency="normal",
        urgency_score=0.1,
        reasons=[],
        threshold=0.43,
        conversation_id="c-1",
        message_id=7,
    )
    assert item is not None
    assert "13812345678" not in item.text and "13812345678" not in item.fold_key
    assert item.reason == "low_category_confidence"
    assert item.predicted["category_confidence"] == 0.41


def test_confident_screening_is_not_captured(session: Session) -> None:
    item = record_screening(
        session,
        text="电饭煲不加热",
        category="quality",
        category_confidence=0.95,
        urgency="normal",
        urgency_score=0.02,
        reasons=[],
        threshold=0.43,
        conversation_id="c-1",
        message_id=8,
    )
    assert item is None
    assert session.scalar(select(ReviewItem.id)) is None


@pytest.mark.parametrize(
    ("category", "urgency"), [("logistics", None), (None, "urgent"), ("after_sales", "urgent")]
)
def test_every_agent_correction_arrives_pre_filled(
    session: Session, category: str | None, urgency: str | None
) -> None:
    case, _ = open_case(
        session,
        conversation_id="conv-9",
        shopper_id="shopper-9",
        order_id=None,
        description="充电宝充电的时候很烫，有点担心",
        triage=TriageSummary("quality", 0.8, "normal", 0.3, []),
        dedupe_key="k-9",
    )
    correct_triage(session, case, actor="agent:alice", category=category, urgency=urgency)
    item = session.scalars(select(ReviewItem)).one()
    assert item.kind == "triage" and item.reason == "agent_correction"
    assert item.predicted["category"] == "quality" and item.predicted["urgency"] == "normal"
    assert item.suggested is not None
    assert item.suggested["category"] == (category or "quality")
    assert item.suggested["urgency"] == (urgency or "normal")
    assert item.suggested["by"] == "agent:alice"
    assert item.source == f"case:{case.case_number}"


def test_a_correction_that_changes_nothing_is_not_captured(session: Session) -> None:
    case, _ = open_case(
        session,
        conversation_id="conv-8",
        shopper_id="shopper-8",
        order_id=None,
        description="快递三天没动",
        triage=TriageSummary("logistics", 0.9, "normal", 0.1, []),
        dedupe_key="k-8",
    )
    correct_triage(session, case, actor="agent:alice", category="logistics")
    assert session.scalar(select(ReviewItem.id)) is None
