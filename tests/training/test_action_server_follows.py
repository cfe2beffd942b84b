"""The action server's triage model follows a promotion too (no restart, no waiting)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from actions import resources
from handoff.db import transaction
from handoff.training.registry import promote
from tests.training.conftest import TinyModels


def test_actions_pick_up_the_promoted_model(
    tiny: TinyModels,
    factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("DATABASE_URL", str(factory.kw["bind"].url))
    monkeypatch.setenv("TRIAGE_MODEL_ROOT", str(tiny.root))
    with transaction(factory) as session:
        promote(session, "triage", tiny.a, by="t", root=tiny.root)
    resources.reset()
    try:
        assert resources.triage_model().version == tiny.a
        with transaction(factory) as session:
            promote(session, "triage", tiny.b, by="t", root=tiny.root)
        deadline = time.monotonic() + 60
        while resources.triage_model().version != tiny.b:
            assert time.monotonic() < deadline, "the action server never switched"
            time.sleep(0.2)
        text = "电饭煲用了两次就不加热了，质量太差"
        assert resources.triage_model().predict(text).category == "logistics"
    finally:
        resources.reset()
