"""Complaint triage for Chinese e-commerce shops: category and urgency of a shopper's message.

Usable without Rasa. Load a trained artefact once with :func:`load_model` and call
``predict`` / ``predict_many`` on it; see ``python -m triage_model --help`` for the commands.
Nothing is loaded at import time: jieba's dictionary and OpenCC are built on first use.
"""

from typing import TYPE_CHECKING

from triage_model.errors import ArtefactError, ArtefactVersionError, InvalidText
from triage_model.prediction import Reason, TriagePrediction

if TYPE_CHECKING:
    from triage_model.predictor import TriageModel

__all__ = [
    "ArtefactError",
    "ArtefactVersionError",
    "InvalidText",
    "Reason",
    "TriagePrediction",
    "load_model",
]


def load_model(path: str | None = None) -> "TriageModel":
    """Load a trained triage artefact (default: ``$TRIAGE_MODEL_DIR`` or ``models/triage/latest``).

    Imported lazily so that ``import triage_model`` stays cheap for code that only needs the
    label names or error types.
    """
    from triage_model.predictor import TriageModel

    return TriageModel.load(path)
