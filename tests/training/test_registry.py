"""Versions, the live pointer, promote and rollback, and a process following the pointer."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from handoff.db import transaction
from handoff.training.live_triage import LiveTriageModel
from handoff.training.registry import (
    RegistryError,
    latest_triage_version,
    live_version,
    promote,
    promotions,
    rollback,
    version_rows,
)
from tests.training.conftest import TinyModels

QUALITY = "电饭煲用了两次就不加热了，质量太差"


def test_before_any_promotion_latest_is_live(
    tiny: TinyModels, factory: sessionmaker[Session]
) -> None:
    with transaction(factory) as session:
        assert live_version(session, "triage", tiny.root) == latest_triage_version(tiny.root)
        rows = version_rows(session, "triage", tiny.root)
    assert {r["version"] for r in rows} >= {tiny.a, tiny.b}
    assert sum(r["live"] for r in rows) == 1


def test_promote_and_rollback_walk_the_history(
    tiny: TinyModels, factory: sessionmaker[Session]
) -> None:
    with transaction(factory) as session:
        promote(session, "triage", tiny.a, by="t", root=tiny.root)
        promote(session, "triage", tiny.b, by="t", root=tiny.root)
        assert live_version(session, "triage", tiny.root) == tiny.b
        assert latest_triage_version(tiny.root) == tiny.b  # latest follows the promotion
        back = rollback(session, "triage", by="t", root=tiny.root)
        assert back.version == tiny.a and back.action == "rollback"
        assert live_version(session, "triage", tiny.root) == tiny.a
        assert latest_triage_version(tiny.root) == tiny.a
        assert [p.action for p in promotions(session, "triage")] == [
            "rollback",
            "promote",
            "promote",
        ]
        with pytest.raises(RegistryError):
            promote(session, "triage", "no-such-version", by="t", root=tiny.root)


def test_a_process_follows_the_pointer_without_restarting(
    tiny: TinyModels, factory: sessionmaker[Session]
) -> None:
    with transaction(factory) as session:
        promote(session, "triage", tiny.a, by="t", root=tiny.root)
    live = LiveTriageModel(factory, tiny.root, poll_seconds=0.1)
    assert live.refresh()
    assert live.model.predict(QUALITY).category == "quality"
    with transaction(factory) as session:
        promote(session, "triage", tiny.b, by="t", root=tiny.root)
    live.refresh_soon()
    deadline = time.monotonic() + 60
    while live.version != tiny.b and time.monotonic() < deadline:
        time.sleep(0.1)
    assert live.version == tiny.b
    assert live.model.predict(QUALITY).category == "logistics"


def test_a_broken_version_keeps_the_old_model(
    tiny: TinyModels, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with transaction(factory) as session:
        promote(session, "triage", tiny.a, by="t", root=tiny.root)
    calls: list[Path] = []

    def loader(path: Path):  # type: ignore[no-untyped-def]
        from triage_model.predictor import TriageModel

        calls.append(path)
        if path.name == tiny.b:
            raise OSError("disk error")
        return TriageModel.load(path)

    live = LiveTriageModel(factory, tiny.root, loader=loader)
    live.refresh()
    with transaction(factory) as session:
        promote(session, "triage", tiny.b, by="t", root=tiny.root)
    assert not live.refresh()
    assert live.version == tiny.a
    assert not live.refresh()  # a failed version is not retried in a loop
    assert [p.name for p in calls] == [tiny.a, tiny.b]
