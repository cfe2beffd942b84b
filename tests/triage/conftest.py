"""Fixtures for the triage tests: a quick tiny model (the trained one is in tests/conftest)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TRAIN_DIR = REPO / "nlu_data/triage/train"
HELDOUT_DIR = REPO / "nlu_data/triage/heldout"


@pytest.fixture()
def tiny_data(tmp_path: Path) -> Path:
    """A small, balanced sample of the real training data, for tests that train a model."""
    rng = random.Random(7)
    folder = tmp_path / "tiny"
    folder.mkdir()
    for path in sorted(TRAIN_DIR.glob("*.jsonl")):
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        urgent = [line for line in lines if json.loads(line)["urgency"] == "urgent"]
        normal = [line for line in lines if json.loads(line)["urgency"] == "normal"]
        sample = rng.sample(urgent, min(25, len(urgent))) + rng.sample(normal, min(35, len(normal)))
        (folder / path.name).write_text("\n".join(sample) + "\n", encoding="utf-8")
    return folder
