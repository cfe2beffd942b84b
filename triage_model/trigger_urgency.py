"""Urgency one trigger at a time: a binary model for each of the guide's six triggers.

One urgent-or-normal model learns every urgent word at once, so words of different triggers
add up: 账号 and 密码 (fraud), 一个月 (weeks of waiting) and 孩子 (safety) in a calm message
push it over the threshold although no single trigger is there. A model per trigger has to
find *its* trigger in the message; the model's urgency is the mean of the binary model's
probability and the most likely trigger's. By 5-fold cross-validation on the training data
(``bench/triage_urgency.py``) this flags about a third fewer labelled normal messages at the
same out-of-fold urgent recall than the binary model alone (README "Measured figures").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from triage_model.arrays import FloatArray
from triage_model.labels import TRIGGERS

#: A trigger with fewer positive examples than this gets no model (probability 0): the
#: calibration needs a few in each of its folds, and the binary model still sees them.
MIN_POSITIVES = 6


@dataclass
class PerTriggerModels:
    """Six calibrated binary models over the shared features; column order = ``triggers``.

    ``models[i]`` is ``None`` for a trigger without enough examples. ``classes_`` and
    ``predict_proba`` mirror a scikit-learn classifier so the predictor and the tests treat it
    like the other models, but each column is that trigger's own probability (they do not sum
    to 1: a message can carry two triggers, or none).
    """

    triggers: tuple[str, ...]
    models: tuple[Any, ...]

    @property
    def classes_(self) -> Any:
        return np.array(self.triggers)

    def predict_proba(self, matrix: Any) -> FloatArray:
        columns = []
        for model in self.models:
            if model is None:
                columns.append(np.zeros(matrix.shape[0]))
            else:
                positive = list(model.classes_).index(1)
                columns.append(model.predict_proba(matrix)[:, positive])
        result: FloatArray = np.column_stack(columns)
        return result


def fit_per_trigger(
    matrix: Any, triggers: Sequence[tuple[str, ...]], make: Callable[[], Any]
) -> PerTriggerModels:
    """One ``make()`` model per trigger of the guide, fitted on ``matrix`` (every message)."""
    models: list[Any] = []
    for trigger in TRIGGERS:
        target = np.array([trigger in row for row in triggers], dtype=int)
        if target.sum() < MIN_POSITIVES or (len(target) - target.sum()) < MIN_POSITIVES:
            models.append(None)
        else:
            models.append(make().fit(matrix, target))
    return PerTriggerModels(triggers=TRIGGERS, models=tuple(models))


def model_urgency(binary: FloatArray | float, per_trigger: FloatArray) -> FloatArray | float:
    """The model's urgency score: mean of P(urgent) and the likeliest trigger's probability.

    ``binary`` has one value per message, ``per_trigger`` one row of six per message (or one
    row for one message). Both models must agree for a high score, so words of one trigger
    alone, or of several half-present triggers, no longer make a calm message urgent.
    """
    result: FloatArray | float = (np.asarray(binary) + np.asarray(per_trigger).max(axis=-1)) / 2.0
    return result
