"""Agent-side changes to a case, each written to the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from casestore_helpers import DEMO_SHOPPER, NOW, triage
from sqlalchemy.orm import Session, sessionmaker

from handoff.case_work import add_note, correct_triage, mark_first_response, set_status
from handoff.cases import open_case, resolve_case
from handoff.db import transaction
from handoff.models import Case


def _case(session: Session) -> Case:
    case, _ = open_case(
        session,
        conversation_id="conv-1",
        shopper_id=DEMO_SHOPPER,
        order_id=None,
        description="快递三天没更新",
        triage=triage("normal", "logistics"),
        dedupe_key="k1",
        now=NOW,
    )
    return case


def test_correcting_urgency_recomputes_the_deadlines(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        case = _case(session)
        correct_triage(session, case, actor="agent:wang", category="quality", urgency="urgent")
        assert (case.category, case.urgency) == ("quality", "urgent")
        assert case.first_response_due == NOW + timedelta(hours=1)
        assert case.resolution_due == NOW + timedelta(hours=24)
        event = case.events[-1]
        assert event.kind == "triage_corrected" and event.actor == "agent:wang"
        assert event.detail == {
            "category": {"from": "logistics", "to": "quality"},
            "urgency": {"from": "normal", "to": "urgent"},
        }
        correct_triage(session, case, actor="agent:wang", category="quality")
        assert len(case.events) == 2  # no change, no event


def test_first_response_is_recorded_once(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        case = _case(session)
        assert mark_first_response(session, case, actor="agent:li", now=NOW + timedelta(minutes=9))
        assert not mark_first_response(
            session, case, actor="agent:li", now=NOW + timedelta(hours=1)
        )
        assert case.first_response_at == NOW + timedelta(minutes=9)


def test_reopening_clears_the_resolution(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        case = _case(session)
        resolve_case(session, case, actor="agent:li", resolution="explanation")
        set_status(session, case, "open", actor="shopper")
        assert (case.status, case.resolution, case.resolved_at) == ("open", None, None)
        assert case.events[-1].kind == "reopened"
        with pytest.raises(ValueError):
            set_status(session, case, "resolved", actor="agent:li")
        with pytest.raises(ValueError):
            set_status(session, case, "closed", actor="agent:li")


def test_notes_need_text_and_a_known_actor(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        case = _case(session)
        note = add_note(session, case, " 已联系快递站 ", actor="agent:li")
        assert note.detail == {"text": "已联系快递站"}
        with pytest.raises(ValueError):
            add_note(session, case, "   ", actor="agent:li")
        with pytest.raises(ValueError):
            add_note(session, case, "hi", actor="agent:")
