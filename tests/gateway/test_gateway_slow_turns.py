"""A turn that takes long: the gateway waits as long as Rasa may legitimately take, keeps the
shopper informed meanwhile, and says something kind when the assistant really fails.

Why: a turn may take Rasa's whole turn budget (``handoff.turn_limits``, 140 s by default: an
action server that answers slowly). A gateway giving up before that tells the shopper the
message failed while Rasa still runs the turn, and the shopper's resend runs it twice. The
same with a real Rasa and a stalled action server: ``tests/cluster/test_slow_and_failing_turns.py``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from handoff.gateway import service
from handoff.gateway.app import make_app
from handoff.gateway.service import BOT_DOWN_ZH, WAIT_NOTICE_ZH
from handoff.gateway.settings import Settings
from handoff.turn_limits import TurnBudget
from tests.gateway.conftest import (
    ASYNC,
    FakeRasa,
    GatewayClient,
    KeywordScreener,
    message_with,
    receive_until,
    shopper_query,
)

StartApp = Callable[..., Awaitable[GatewayClient]]


def test_the_gateway_waits_for_rasa_past_the_turn_budget(tmp_path: Path) -> None:
    env = {"HANDOFF_SECRET": "s", "DATABASE_URL": "sqlite://"}
    default = Settings.from_env(env, var_dir=tmp_path)
    budget = TurnBudget()
    assert default.rasa_turn_seconds > budget.lock_lifetime > budget.turn_seconds
    assert default.rasa_turn_seconds > 60  # the gateway's old limit, shorter than a turn

    longer = Settings.from_env({**env, "TICKET_LOCK_LIFETIME": "300"}, var_dir=tmp_path)
    assert longer.rasa_turn_seconds > 300  # follows Rasa's setting: same variable, same rule

    with pytest.raises(ValueError, match="TICKET_LOCK_LIFETIME"):  # refused as Rasa refuses it
        Settings.from_env(
            {**env, "RASA_ACTION_TIMEOUT": "300", "TICKET_LOCK_LIFETIME": "60"}, var_dir=tmp_path
        )


@ASYNC
async def test_a_slow_turn_keeps_the_bot_typing_says_wait_once_and_then_answers(
    client: GatewayClient, rasa: FakeRasa, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "WAIT_NOTICE_SECONDS", 0.5)
    monkeypatch.setattr(service, "BOT_TYPING_EVERY_SECONDS", 0.3)
    rasa.delay = 2.0
    frames: list[dict[str, Any]] = []

    def answered(frame: dict[str, Any]) -> bool:
        frames.append(frame)
        return message_with("请问有什么可以帮您", "bot")(frame)

    async with client.ws_connect(f"/ws?{shopper_query()}") as ws:
        await ws.send_json({"type": "message", "client_id": "slow", "text": "我的快递到哪了"})
        await receive_until(ws, answered)

    typing = [f for f in frames if f["type"] == "typing" and f["who"] == "bot"]
    assert len(typing) >= 3, "the typing notice must stay up during a long turn"
    texts = [f["message"]["text"] for f in frames if f["type"] == "message"]
    assert texts.count(WAIT_NOTICE_ZH) == 1
    assert texts.index(WAIT_NOTICE_ZH) < texts.index("您好，请问有什么可以帮您？")
    assert BOT_DOWN_ZH not in texts


@ASYNC
async def test_a_quick_turn_says_no_wait_notice(client: GatewayClient) -> None:
    texts: list[str] = []

    def answered(frame: dict[str, Any]) -> bool:
        if frame["type"] == "message":
            texts.append(frame["message"]["text"])
        return message_with("请选择", "bot")(frame)

    async with client.ws_connect(f"/ws?{shopper_query()}") as ws:
        await ws.send_json({"type": "message", "client_id": "q", "text": "在吗"})
        await receive_until(ws, answered)
    assert WAIT_NOTICE_ZH not in texts


@ASYNC
async def test_an_assistant_that_never_answers_gets_a_kind_message_when_the_wait_ends(
    settings: Settings, rasa: FakeRasa, aiohttp_client: StartApp
) -> None:
    rasa.delay = 60.0
    app = await aiohttp_client(
        make_app(replace(settings, rasa_turn_seconds=1.0), screener=KeywordScreener())
    )
    async with app.ws_connect(f"/ws?{shopper_query()}") as ws:
        await ws.send_json({"type": "message", "client_id": "h", "text": "在吗"})
        frame = await receive_until(ws, message_with(BOT_DOWN_ZH, "system"))
    assert "转人工" in frame["message"]["text"]  # what to do instead, in Chinese
