"""Fixtures shared by more than one test folder.

Imports stay inside the fixtures: ``.venv-rasa`` collects ``tests/rasa_extensions`` under
this file too, and has none of our triage code's dependencies pinned the way ``.venv`` does.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from triage_model.predictor import TriageModel

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def model() -> TriageModel:
    """The triage model ``make train`` built, as the gateway and the action server load it
    (``make test`` trains it first when stale)."""
    from triage_model.artefact import default_model_dir
    from triage_model.predictor import TriageModel

    folder = REPO / default_model_dir()
    if not (folder / "metadata.json").exists():
        pytest.fail(f"no trained triage model at {folder}: run `make train` (make test does)")
    return TriageModel.load(folder)
