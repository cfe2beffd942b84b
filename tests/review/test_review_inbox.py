"""Working the inbox: confirm, relabel, ignore, undo, bulk, and the audit trail of each."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.review.inbox import (
    ItemFilter,
    ReviewError,
    bulk,
    history,
    ignore_item,
    label_item,
    list_items,
    undo_batch,
    undo_last,
)
from handoff.review.models import ReviewAction
from tests.review.helpers import intent_item, triage_item


def test_confirm_takes_the_agents_correction_when_there_is_one(session: Session) -> None:
    corrected = triage_item(
        session,
        "快递把箱子压扁了，里面的碗碎了",
        suggested={"category": "logistics", "urgency": "normal", "trigger": None, "by": "agent:a"},
    )
    plain = triage_item(session, "衣服色差很大")
    label_item(session, corrected, None, actor="trainer:tina")
    label_item(session, plain, None, actor="trainer:tina")
    assert corrected.status == "labelled"
    assert corrected.label == {"category": "logistics", "urgency": "normal", "trigger": None}
    assert plain.label == {"category": "quality", "urgency": "normal", "trigger": None}
    assert [a.action for a in history(session, corrected)] == ["confirm"]


def test_relabel_records_who_when_before_and_after(session: Session) -> None:
    item = intent_item(session, "东西咋还不来")
    action = label_item(session, item, {"intent": "check_progress"}, actor="trainer:tina")
    assert action.action == "relabel" and action.actor == "trainer:tina"
    assert action.before["status"] == "open" and action.before["label"] is None
    assert action.after["label"] == {"intent": "check_progress"}
    assert action.at is not None
    assert item.labelled_by == "trainer:tina"


def test_choosing_the_prediction_is_recorded_as_a_confirmation(session: Session) -> None:
    item = intent_item(session, "我要投诉一下", intent="complain")
    assert label_item(session, item, {"intent": "complain"}, actor="t").action == "confirm"


def test_bad_labels_are_refused_with_a_chinese_message(session: Session) -> None:
    intent = intent_item(session, "嗯")
    with pytest.raises(ReviewError, match="意图"):
        label_item(session, intent, {"intent": "order_pizza"}, actor="t")
    complaint = triage_item(session, "充电宝鼓包了")
    with pytest.raises(ReviewError, match="紧急原因"):
        label_item(session, complaint, {"category": "quality", "urgency": "urgent"}, actor="t")
    with pytest.raises(ReviewError, match="类别"):
        label_item(session, complaint, {"category": "food", "urgency": "normal"}, actor="t")
    label_item(
        session,
        complaint,
        {"category": "quality", "urgency": "urgent", "trigger": "safety_health"},
        actor="t",
    )
    assert complaint.label == {
        "category": "quality",
        "urgency": "urgent",
        "trigger": "safety_health",
    }


def test_ignore_then_undo_restores_the_item(session: Session) -> None:
    item = intent_item(session, "asdfgh")
    ignore_item(session, item, actor="t")
    assert item.status == "ignored"
    undo = undo_last(session, item, actor="t")
    assert item.status == "open" and item.label is None
    assert undo.before["status"] == "ignored" and undo.after["status"] == "open"
    with pytest.raises(ReviewError):
        undo_last(session, item, actor="t")  # nothing left to undo


def test_undo_walks_back_one_action_at_a_time(session: Session) -> None:
    item = intent_item(session, "东西咋还不来")
    label_item(session, item, {"intent": "complain"}, actor="t")
    label_item(session, item, {"intent": "check_progress"}, actor="t")
    undo_last(session, item, actor="t")
    assert item.label == {"intent": "complain"}
    undo_last(session, item, actor="t")
    assert item.status == "open" and item.label is None
    assert [a.action for a in history(session, item)] == ["confirm", "relabel", "undo", "undo"]


def test_bulk_relabel_is_one_batch_and_undoes_together(session: Session) -> None:
    ids = [intent_item(session, f"那个东西{n}号怎么样了").id for n in "一二三四五"]
    batch, done = bulk(session, ids, "relabel", actor="t", label={"intent": "check_progress"})
    assert len(done) == 5 and {a.batch for a in done} == {batch}
    assert not list_items(session, ItemFilter(status="open"))
    undo_batch(session, batch, actor="t")
    assert len(list_items(session, ItemFilter(status="open"))) == 5
    actions = list(session.scalars(select(ReviewAction).where(ReviewAction.batch == batch)))
    assert sorted(a.action for a in actions) == ["relabel"] * 5 + ["undo"] * 5


def test_bulk_is_all_or_nothing_on_a_bad_item(session: Session) -> None:
    good = intent_item(session, "你好呀")
    with pytest.raises(ReviewError):
        bulk(session, [good.id, 999_999], "ignore", actor="t")


def test_list_sorts_by_count_times_uncertainty_and_filters(session: Session) -> None:
    once = intent_item(session, "只有一次的话")
    for _ in range(3):
        often = intent_item(session, "问了好几次的话")
    complaint = triage_item(session, "东西坏了又像没坏", category="logistics")
    ordered = list_items(session)
    # 3 × 0.69, then 1 × 0.69, then 1 × 0.58
    assert [i.id for i in ordered] == [often.id, once.id, complaint.id]
    assert list_items(session, ItemFilter(kind="triage")) == [complaint]
    assert list_items(session, ItemFilter(predicted="logistics")) == [complaint]
    assert once in list_items(session, ItemFilter(reason="low_confidence"))
    assert complaint not in list_items(session, ItemFilter(reason="low_confidence"))
