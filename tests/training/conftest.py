"""Two small triage models trained for real (the same code as ``make train``, small data).

``model_a`` learns the labels as written; ``model_b`` learns them with quality and logistics
swapped, so the two disagree on every quality or logistics message and a test can tell at
once which one answered. Both live under one root, as versions do under ``models/triage``.
About 30–60 s for both on a loaded two-core machine, once per session.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from handoff.db import make_session_factory, prepare_database

REPO = Path(__file__).resolve().parents[2]
PER_FILE = 45
SWAP = {"quality": "logistics", "logistics": "quality"}


@dataclass(frozen=True)
class TinyModels:
    root: Path
    a: str
    b: str
    data_a: Path
    heldout: Path


def _write_data(folder: Path, swap: bool) -> None:
    folder.mkdir(parents=True)
    rows = []
    for path in sorted((REPO / "nlu_data" / "triage" / "train").glob("*.jsonl")):
        if path.name == "reviewed.jsonl":
            continue
        lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        rows.extend(lines[:PER_FILE])
    for row in rows:
        if swap and row.get("category") in SWAP:
            row["category"] = SWAP[row["category"]]
    (folder / "data.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> TinyModels:
    from triage_model.training import train

    base = tmp_path_factory.mktemp("tiny")
    root = base / "models"
    _write_data(base / "a", swap=False)
    _write_data(base / "b", swap=True)
    heldout = base / "triage" / "heldout"
    heldout.mkdir(parents=True)
    for path in sorted((REPO / "nlu_data" / "triage" / "heldout").glob("*.jsonl")):
        lines = path.read_text(encoding="utf-8").splitlines()[:15]
        (heldout / path.name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    a = train(base / "a", root, 2, progress=lambda _: None).folder.name
    b = train(base / "b", root, 2, progress=lambda _: None).folder.name
    assert a != b
    return TinyModels(root=root, a=a, b=b, data_a=base / "a", heldout=heldout)


@pytest.fixture
def factory(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine = prepare_database(f"sqlite:///{tmp_path / 'shop.db'}")
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()
