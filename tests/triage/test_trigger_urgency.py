"""Urgency per trigger: six models, their combination with P(urgent), their compiled path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from triage_model.artefact import MODEL_FILE, dump_bundle, load_bundle
from triage_model.dataset import load_examples
from triage_model.errors import ArtefactError
from triage_model.fastpath import compile_bundle
from triage_model.features import build_features, trigger_classifier
from triage_model.labels import TRIGGERS
from triage_model.normalize import normalize
from triage_model.predictor import TriageModel
from triage_model.training import train
from triage_model.trigger_urgency import PerTriggerModels, fit_per_trigger, model_urgency

REPO = Path(__file__).resolve().parents[2]


def test_model_urgency_needs_both_models() -> None:
    """One model sure and the other not gives a middling score, not the sure one's."""
    binary = np.array([0.9, 0.9, 0.1])
    per_trigger = np.array([[0.1, 0.2, 0, 0, 0, 0], [0, 0.9, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]])
    np.testing.assert_allclose(model_urgency(binary, per_trigger), [0.55, 0.9, 0.05])
    assert float(model_urgency(np.float64(0.8), np.array([0.2, 0.6, 0, 0, 0, 0]))) == 0.7


def test_a_trigger_without_examples_has_no_model_and_probability_zero() -> None:
    """Data without one trigger still trains; that trigger's column is 0 on both paths."""
    examples = [
        e
        for e in load_examples([REPO / "nlu_data/triage/train/quality.jsonl"])
        if "severe_distress" not in e.triggers
    ][:300]
    texts = [normalize(e.text) for e in examples]
    features = build_features("words+chars")
    matrix = features.fit_transform(texts)
    models = fit_per_trigger(matrix, [e.triggers for e in examples], trigger_classifier)
    absent = TRIGGERS.index("severe_distress")
    assert models.models[absent] is None
    assert any(model is not None for model in models.models)
    slow = models.predict_proba(matrix[:20])
    assert slow.shape == (20, len(TRIGGERS))
    assert not slow[:, absent].any()
    # The compiled single-message path gives the same six probabilities.
    # (the urgency model stands in for the category and complaint models: same kind)
    urgency = trigger_classifier().fit(matrix, [e.urgency for e in examples])
    compiled = compile_bundle(features, urgency, urgency, models, urgency)
    assert compiled is not None
    for row, text in enumerate(texts[:20]):
        np.testing.assert_allclose(compiled.probabilities(text)[2], slow[row], atol=1e-9)


def test_an_artefact_without_per_trigger_models_must_be_retrained(
    tiny_data: Path, tmp_path: Path
) -> None:
    folder = train(tiny_data, tmp_path / "models", 2, progress=lambda _message: None).folder
    bundle = load_bundle(folder / MODEL_FILE)
    assert isinstance(bundle.trigger_model, PerTriggerModels)
    bundle.trigger_model = bundle.category_model  # what an older artefact held there
    dump_bundle(bundle, folder / MODEL_FILE)
    with pytest.raises(ArtefactError, match="per-trigger"):
        TriageModel.load(folder)
