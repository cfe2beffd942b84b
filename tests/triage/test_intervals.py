"""Bootstrap intervals beside the evaluation figures: they agree with sklearn and with chance."""

from __future__ import annotations

import random

import pytest
from sklearn.metrics import f1_score

from triage_model.intervals import macro_f1_change_interval, macro_f1_interval, share_interval
from triage_model.labels import CATEGORIES


def _noisy_predictions(n: int, error_rate: float, seed: int) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    truth = [rng.choice(CATEGORIES) for _ in range(n)]
    predicted = [rng.choice(CATEGORIES) if rng.random() < error_rate else t for t in truth]
    return truth, predicted


def test_the_interval_holds_the_figure_and_is_repeatable() -> None:
    truth, predicted = _noisy_predictions(480, 0.1, seed=1)
    score = f1_score(truth, predicted, labels=list(CATEGORIES), average="macro")
    low, high = macro_f1_interval(truth, predicted, CATEGORIES)
    assert low < score < high
    assert (low, high) == macro_f1_interval(truth, predicted, CATEGORIES)


def test_480_messages_leave_about_two_points_either_way() -> None:
    """What the README says of the held-out file: ±0.02 around a macro-F1 near 0.94."""
    truth, predicted = _noisy_predictions(480, 0.08, seed=2)
    low, high = macro_f1_interval(truth, predicted, CATEGORIES)
    assert 0.025 < high - low < 0.07


def test_more_messages_give_a_narrower_interval() -> None:
    small = macro_f1_interval(*_noisy_predictions(200, 0.1, seed=3), CATEGORIES)
    large = macro_f1_interval(*_noisy_predictions(5000, 0.1, seed=3), CATEGORIES)
    assert large[1] - large[0] < (small[1] - small[0]) / 2


def test_perfect_predictions_have_no_spread() -> None:
    truth = list(CATEGORIES) * 30
    assert macro_f1_interval(truth, truth, CATEGORIES) == (1.0, 1.0)


def test_a_resampled_f1_matches_sklearn_with_absent_labels() -> None:
    """The vectorised F1 is sklearn's, also when a label is never true or never predicted."""
    import numpy as np

    from triage_model.intervals import _macro_f1_rows

    truth = ["quality", "quality", "logistics", "other"]
    predicted = ["quality", "logistics", "logistics", "logistics"]
    index = {label: i for i, label in enumerate(CATEGORIES)}
    confusion = np.zeros((1, 4, 4), dtype=np.int64)
    for t, p in zip(truth, predicted):
        confusion[0, index[t], index[p]] += 1
    expected = f1_score(truth, predicted, labels=list(CATEGORIES), average="macro", zero_division=0)
    assert _macro_f1_rows(confusion)[0] == pytest.approx(expected)


def test_share_interval_brackets_the_share() -> None:
    hits = [True] * 150 + [False] * 6
    low, high = share_interval(hits)
    assert low < 150 / 156 < high <= 1.0
    assert share_interval([]) == (0.0, 0.0)


def test_the_same_predictions_change_nothing() -> None:
    truth, predicted = _noisy_predictions(300, 0.1, seed=4)
    assert macro_f1_change_interval(truth, predicted, predicted, CATEGORIES) == (0.0, 0.0)


def test_two_messages_fixed_of_480_are_within_chance() -> None:
    truth, before = _noisy_predictions(480, 0.08, seed=5)
    wrong = [i for i, (t, p) in enumerate(zip(truth, before)) if t != p]
    after = list(before)
    for i in wrong[:2]:
        after[i] = truth[i]
    low, high = macro_f1_change_interval(truth, before, after, CATEGORIES)
    assert low <= 0.0 < high


def test_a_clearly_better_model_is_outside_chance() -> None:
    truth, before = _noisy_predictions(480, 0.2, seed=6)
    after = [t if i % 2 else p for i, (t, p) in enumerate(zip(truth, before))]
    low, _high = macro_f1_change_interval(truth, before, after, CATEGORIES)
    assert low > 0.0
