"""The console's domain: Chinese names for every code, readable history, roles, canned
replies, case search. On a real migrated SQLite database; nothing faked."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from casestore_helpers import DEMO_SHOPPER, RICE_COOKER, triage
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from handoff import vocabulary
from handoff.agents import add_agent, ensure_demo_agent
from handoff.canned import CannedReplyError, add_reply, delete_reply, list_replies, update_reply
from handoff.case_history import history_line
from handoff.case_search import CaseQuery, search_cases
from handoff.case_work import add_note, correct_triage, set_status
from handoff.cases import open_case, queue_for_human, record_rating, resolve_case
from handoff.chat_models import Agent
from handoff.console_present import case_view, complaint_text, shopper_label
from handoff.db import transaction
from handoff.messages import store_message
from handoff.queue import claim_entry
from handoff.roles import RoleError, roles_of, set_roles
from handoff.vocabulary_zh import name_zh, reasons_zh, vocabulary_zh

# 01:22 UTC is 09:22 in Beijing.
AT = datetime(2026, 12, 2, 1, 22, tzinfo=timezone.utc)


def test_every_code_has_a_chinese_name() -> None:
    names = vocabulary_zh()
    for kind, codes in (
        ("category", vocabulary.CATEGORIES),
        ("urgency", vocabulary.URGENCIES),
        ("priority", vocabulary.PRIORITIES),
        ("status", vocabulary.CASE_STATUSES),
        ("resolution", vocabulary.RESOLUTIONS),
        ("queue_status", vocabulary.QUEUE_STATUSES),
        ("event", vocabulary.EVENT_KINDS),
        ("role", ("agent", "trainer", "supervisor", "admin")),
    ):
        assert set(names[kind]) == set(codes), kind
        assert all(name and not name.isascii() for name in names[kind].values()), kind
    assert name_zh("category", "quality") == "商品质量"
    assert name_zh("status", "in_progress") == "处理中"
    assert name_zh("category", "something_new") == "未知"  # never the code itself


def test_urgency_reasons_name_each_trigger_once_with_the_shoppers_words() -> None:
    reasons = [
        "safety_health:rule:冒烟",
        "safety_health:rule:烫伤",
        "safety_health:model:0.97",
        "external_threat:rule:12315",
        "severe_distress:model:0.81",
    ]
    assert reasons_zh(reasons) == ["人身安全·冒烟、烫伤", "外部投诉·12315", "情绪激动"]


def _urgent_case(session: Session) -> object:
    case, _ = open_case(
        session,
        conversation_id="conv-1",
        shopper_id=DEMO_SHOPPER,
        order_id=RICE_COOKER,
        description="电饭煲冒烟了",
        triage=triage("urgent"),
        dedupe_key="conv-1:1",
        now=AT,
    )
    return case


def test_history_reads_as_lines_in_beijing_time_with_display_names(
    factory: sessionmaker[Session],
) -> None:
    with transaction(factory) as session:
        add_agent(session, "xiaowang", "password-1", "小王")
        case = _urgent_case(session)
        entry = queue_for_human(
            session, case, conversation_id="conv-1", shopper_id=DEMO_SHOPPER,
            reason="urgent_message", priority="urgent", now=AT,
        )  # fmt: skip
        claim_entry(session, entry, agent="agent:xiaowang", now=AT)
        add_note(session, case, "请先冷水冲洗", actor="agent:xiaowang", now=AT)
        correct_triage(session, case, actor="agent:xiaowang", category="logistics", now=AT)
        set_status(session, case, "pending_shopper", actor="agent:xiaowang", now=AT)
        resolve_case(
            session, case, actor="agent:xiaowang", resolution="refund", note="已退", now=AT
        )
        record_rating(
            session, conversation_id="conv-1", shopper_id=DEMO_SHOPPER, rating=5,
            comment="很快", now=AT,
        )  # fmt: skip
        set_status(session, case, "in_progress", actor="agent:xiaowang", now=AT)
        session.flush()
        lines = [history_line(e, {"xiaowang": "小王"})["line_zh"] for e in case.events]
        view = case_view(case, {"xiaowang": "小王"})
    assert lines == [
        "09:22 智能客服 创建工单：商品质量，紧急（人身安全），订单 " + RICE_COOKER,
        "09:22 智能客服 转人工：紧急消息",
        "09:22 小王 接手",
        "09:22 小王 添加备注：请先冷水冲洗",
        "09:22 小王 修正分类：分类 商品质量 → 物流配送",
        "09:22 小王 修改状态：处理中 → 等待顾客回复",
        "09:22 小王 解决：退款，说明：已退",
        "09:22 顾客 顾客评价：5 分，“很快”",
        "09:22 小王 重新打开：已解决 → 处理中",
    ]
    assert view["category_zh"] == "物流配送" and view["category_corrected"] is True
    assert view["category_confidence"] is None  # the model's confidence no longer applies
    assert view["agent_zh"] == "小王" and view["rating"] == 5 and view["status_zh"] == "处理中"
    assert view["created_zh"] == "12月2日 09:22"


def test_a_queue_card_shows_the_complaint_not_the_last_word(
    factory: sessionmaker[Session],
) -> None:
    with transaction(factory) as session:
        for text in ("你好", "耳机左边没有声音，右边正常", "转人工"):
            store_message(
                session, conversation_id="c", shopper_id="anon-ab12cd", sender="shopper", text=text
            )
        assert complaint_text(session, "c", None) == "耳机左边没有声音，右边正常"
    assert shopper_label("anon-ab12cdef") == "访客 AB12"
    assert shopper_label("shopper-1001") == "shopper-1001"


def test_roles_new_agents_demo_agent_and_bad_names(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        plain = add_agent(session, "li", "password-li")
        assert roles_of(session, plain.id) == ["agent"]
        trainer = add_agent(session, "zhao", "password-zhao", roles=["trainer", "supervisor"])
        assert roles_of(session, trainer.id) == ["trainer", "supervisor"]
        add_agent(session, "zhao", None, roles=["trainer"])  # keeps the password
        assert roles_of(session, trainer.id) == ["trainer"]
        with pytest.raises(RoleError):
            set_roles(session, plain.id, ["boss"])
        with pytest.raises(RoleError):
            set_roles(session, plain.id, [])
        session.execute(Agent.__table__.delete())
    with transaction(factory) as session:
        demo = ensure_demo_agent(session)
        assert demo is not None
        assert roles_of(session, demo.id) == ["agent", "trainer", "supervisor", "admin"]


def test_cli_adds_roles_repeatably_and_lists_them(db_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": db_url}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "handoff", "agents", *args],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip

    added = run(
        "add", "wang", "--password", "password-wang", "--role", "trainer", "--role", "agent"
    )
    assert added.returncode == 0, added.stderr
    assert "roles: agent, trainer" in added.stdout
    again = run("add", "wang", "--role", "supervisor")  # no password prompt for an existing one
    assert again.returncode == 0, again.stderr
    listed = run("list", "--json")
    assert '"roles": ["supervisor"]' in listed.stdout
    bad = run("add", "wang", "--role", "boss")
    assert bad.returncode == 2


def test_canned_replies_start_without_promises_and_can_be_edited(
    factory: sessionmaker[Session],
) -> None:
    with transaction(factory) as session:
        first = list_replies(session)
        assert len(first) >= 5
        assert not any("退款" in r.text for r in first)  # nobody promises a refund unchecked
        added = add_reply(session, "致谢", "感谢您的耐心等待。", actor="agent:li")
        update_reply(session, added.id, "致谢", "感谢您耐心等待，马上为您处理。", actor="agent:li")
        assert list_replies(session)[-1].text == "感谢您耐心等待，马上为您处理。"
        with pytest.raises(CannedReplyError):
            add_reply(session, "", "x", actor="agent:li")
        delete_reply(session, added.id)
        assert len(list_replies(session)) == len(first)


def test_case_search_by_number_order_shopper_text_and_filters(
    factory: sessionmaker[Session],
) -> None:
    with transaction(factory) as session:
        add_agent(session, "li", "password-li")
        urgent = _urgent_case(session)
        other, _ = open_case(
            session, conversation_id="conv-2", shopper_id="shopper-1001", order_id=None,
            description="优惠券用不了", triage=triage("normal", "other"), dedupe_key="conv-2:1",
            now=datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc),
        )  # fmt: skip
        entry = queue_for_human(
            session, other, conversation_id="conv-2", shopper_id="shopper-1001",
            reason="shopper_request", priority="normal",
        )  # fmt: skip
        claim_entry(session, entry, agent="agent:li")
        session.flush()

        def numbers(**query: object) -> list[str]:
            total, cases = search_cases(session, CaseQuery(**query))  # type: ignore[arg-type]
            assert total == len(cases)
            return [c.case_number for c in cases]

        both = {urgent.case_number, other.case_number}  # type: ignore[attr-defined]
        assert set(numbers()) == both
        spoken = urgent.case_number.lower().replace("-", " ")  # type: ignore[attr-defined]
        assert numbers(text=spoken) == [urgent.case_number]  # type: ignore[attr-defined]
        assert numbers(text=RICE_COOKER[-6:]) == [urgent.case_number]  # type: ignore[attr-defined]
        assert numbers(text="shopper-1001") == [other.case_number]
        assert numbers(text="优惠券") == [other.case_number]
        assert numbers(text="100%") == []  # LIKE wildcards are literal
        assert numbers(urgency="urgent") == [urgent.case_number]  # type: ignore[attr-defined]
        assert numbers(status="in_progress", category="other") == [other.case_number]
        assert numbers(agent="li") == [other.case_number]
        assert numbers(opened_from=date(2026, 12, 2)) == [urgent.case_number]  # type: ignore[attr-defined]
        assert numbers(opened_to=date(2026, 11, 20)) == [other.case_number]
        assert session.scalar(select(Agent.name).where(Agent.name == "li")) == "li"
