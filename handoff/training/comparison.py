"""A candidate triage model beside the live one, on the same messages.

For each evaluation set (the held-out files, the recent-traffic slice): per-class precision,
recall and F1 before and after, macro-F1, urgent recall and precision, both confusion
matrices, a paired bootstrap interval of the macro-F1 change (so the page can say whether the
set can tell the change from chance), and every message whose prediction changed, marked
``fixed`` (wrong before, right after), ``broken`` (right before, wrong after) or ``changed``
(wrong both times).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from handoff.review.masking import mask_for_review
from triage_model.intervals import macro_f1_change_interval, rounded
from triage_model.labels import CATEGORIES

if TYPE_CHECKING:
    from triage_model.predictor import TriageModel

#: Changed messages listed per set (the counts cover all of them).
MAX_CHANGED: Final = 300


def _predictions(model: TriageModel, texts: Sequence[str]) -> list[tuple[str, str]]:
    from triage_model import InvalidText

    out = []
    for result in model.triage_batch(list(texts)):
        if isinstance(result, InvalidText):
            out.append(("other", "normal"))
        else:
            out.append((result.category, result.urgency))
    return out


def _scores(
    expected: list[tuple[str | None, str]], predicted: list[tuple[str, str]]
) -> dict[str, Any]:
    from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

    # Chat turns (no category) count for urgency only: category scores are over complaints.
    rows = [i for i, (category, _) in enumerate(expected) if category is not None]
    true_c = [str(expected[i][0]) for i in rows]
    pred_c = [predicted[i][0] for i in rows]
    precision, recall, f1, support = precision_recall_fscore_support(
        true_c, pred_c, labels=list(CATEGORIES), zero_division=0
    )
    urgent_true = [u == "urgent" for _, u in expected]
    urgent_pred = [u == "urgent" for _, u in predicted]
    hits = sum(t and p for t, p in zip(urgent_true, urgent_pred))
    return {
        "per_class": {
            name: {
                "precision": round(float(precision[i]), 4),
                "recall": round(float(recall[i]), 4),
                "f1": round(float(f1[i]), 4),
                "support": int(support[i]),
            }
            for i, name in enumerate(CATEGORIES)
        },
        "macro_f1": round(
            float(
                f1_score(true_c, pred_c, labels=list(CATEGORIES), average="macro", zero_division=0)
            )
            if rows
            else 0.0,
            4,
        ),
        "accuracy": round(sum(t == p for t, p in zip(true_c, pred_c)) / max(1, len(rows)), 4),
        "urgent_recall": round(hits / max(1, sum(urgent_true)), 4),
        "urgent_precision": round(hits / max(1, sum(urgent_pred)), 4),
        "urgent_support": sum(urgent_true),
        "confusion": confusion_matrix(true_c, pred_c, labels=list(CATEGORIES)).tolist(),
    }


def _change_interval(
    expected: list[tuple[str | None, str]],
    before: list[tuple[str, str]] | None,
    after: list[tuple[str, str]],
) -> list[float] | None:
    """95 % paired bootstrap interval of macro-F1 after minus before (None without both)."""
    rows = [i for i, (category, _) in enumerate(expected) if category is not None]
    if before is None or not rows:
        return None
    return rounded(
        macro_f1_change_interval(
            [str(expected[i][0]) for i in rows],
            [before[i][0] for i in rows],
            [after[i][0] for i in rows],
            CATEGORIES,
        )
    )


def compare_on(
    live: TriageModel | None, candidate: TriageModel, examples: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """Both models on one set of labelled messages (``text``, ``category``, ``urgency``)."""
    texts = [str(e["text"]) for e in examples]
    expected = [
        (str(e["category"]) if e.get("category") else None, str(e["urgency"])) for e in examples
    ]
    after = _predictions(candidate, texts)
    before = _predictions(live, texts) if live is not None else None
    result: dict[str, Any] = {
        "size": len(examples),
        "labels": list(CATEGORIES),
        "after": _scores(expected, after) if examples else None,
        "before": _scores(expected, before) if examples and before is not None else None,
        "macro_f1_change_interval": _change_interval(expected, before, after),
    }
    changed: list[dict[str, Any]] = []
    counts = {"fixed": 0, "broken": 0, "changed": 0}
    if before is not None:
        for text, want, old, new in zip(texts, expected, before, after):
            if old == new:
                continue
            kind = "fixed" if new == want else "broken" if old == want else "changed"
            counts[kind] += 1
            if len(changed) < MAX_CHANGED:
                changed.append(
                    {
                        "text": mask_for_review(text),  # the page shows no phone number
                        "expected": {"category": want[0], "urgency": want[1]},
                        "before": {"category": old[0], "urgency": old[1]},
                        "after": {"category": new[0], "urgency": new[1]},
                        "kind": kind,
                    }
                )
    order = {"broken": 0, "fixed": 1, "changed": 2}
    result["changed"] = sorted(changed, key=lambda c: (order[c["kind"]], c["text"]))
    result["changed_counts"] = counts
    return result


def compare(
    live: TriageModel | None,
    candidate: TriageModel,
    sets: dict[str, Sequence[dict[str, Any]]],
    *,
    live_version: str | None,
) -> dict[str, Any]:
    """The whole comparison a candidate is stored with."""
    return {
        "live_version": live_version,
        "candidate_version": candidate.version,
        "sets": {name: compare_on(live, candidate, examples) for name, examples in sets.items()},
    }
