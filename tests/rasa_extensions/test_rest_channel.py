"""SettledRestInput: Rasa's REST channel unchanged, plus the per-worker settling step.

The end-to-end suite checks the real server (both workers log that they settled, and every
conversation there goes through this channel); these tests pin the parts one by one.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from rasa.core.channels.channel import register
from rasa.core.channels.rest import RestInput
from sanic import Sanic

from rasa_extensions.rest_channel import WARM_UP_TEXT, SettledRestInput, settle_worker


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    """Each test starts and ends with nothing frozen (freezing is process-wide)."""
    gc.unfreeze()
    yield
    gc.unfreeze()


class ReadyAgent:
    """Stands in for Rasa's Agent: ready, and records what it was asked to parse."""

    def __init__(self, fails: bool = False) -> None:
        self.parsed: list[str] = []
        self.fails = fails

    def is_ready(self) -> bool:
        return True

    async def parse_message(self, text: str) -> dict[str, Any]:
        self.parsed.append(text)
        if self.fails:
            raise RuntimeError("model broken")
        return {"text": text}


def test_channel_keeps_rasas_name_and_url() -> None:
    """The gateway and the README's curl post to /webhooks/rest/webhook: that must not move."""
    app = Sanic("settled_rest_channel_test")
    register([SettledRestInput()], app, route="/webhooks/")

    paths = {route.path for route in app.router.routes}
    assert SettledRestInput.name() == RestInput.name() == "rest"
    assert "webhooks/rest/webhook" in paths
    assert "webhooks/rest" in paths  # Rasa's health route of the channel


def test_blueprint_registers_the_settling_listener() -> None:
    app = Sanic("settled_rest_listener_test")
    register([SettledRestInput()], app, route="/webhooks/")

    (blueprint,) = app.blueprints.values()
    listeners = [(future.listener, future.event) for future in blueprint._future_listeners]
    assert listeners == [(settle_worker, "after_server_start")]  # after the model has loaded


def test_settling_warms_the_model_up_then_freezes_the_heap() -> None:
    agent = ReadyAgent()
    app = SimpleNamespace(ctx=SimpleNamespace(agent=agent))

    asyncio.run(settle_worker(app, asyncio.new_event_loop()))  # type: ignore[arg-type]

    assert agent.parsed == [WARM_UP_TEXT]
    assert gc.get_freeze_count() > 0


def test_a_failing_warm_up_still_freezes_and_does_not_stop_the_worker() -> None:
    agent = ReadyAgent(fails=True)
    app = SimpleNamespace(ctx=SimpleNamespace(agent=agent))

    asyncio.run(settle_worker(app, asyncio.new_event_loop()))  # type: ignore[arg-type]

    assert gc.get_freeze_count() > 0


def test_a_worker_without_a_model_just_freezes() -> None:
    app = SimpleNamespace(ctx=SimpleNamespace())

    asyncio.run(settle_worker(app, asyncio.new_event_loop()))  # type: ignore[arg-type]

    assert gc.get_freeze_count() > 0
