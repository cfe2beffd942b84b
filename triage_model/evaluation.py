"""Evaluation on a held-out folder: per-class scores on its complaints, complaint-or-not on
all of it, urgent recall/precision, confusion matrix (text and PNG) and the misclassified
examples, written to ``reports/triage/<version>/<name>/``.

Category scores count complaints only (a chat turn has no category); every message counts for
urgency and for complaint-or-not.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

from triage_model.dataset import Example
from triage_model.errors import InvalidText
from triage_model.intervals import COVERAGE, macro_f1_interval, rounded, share_interval
from triage_model.labels import CATEGORIES
from triage_model.prediction import TriagePrediction
from triage_model.predictor import TriageModel

DEFAULT_REPORT_ROOT = Path("reports/triage")


@dataclass(frozen=True)
class Evaluation:
    report: dict[str, Any]
    text: str
    folder: Path


def _confusion_text(matrix: list[list[int]]) -> str:
    width = max(len(c) for c in CATEGORIES) + 2
    header = "true \\ predicted".ljust(width + 6) + "".join(c.rjust(width) for c in CATEGORIES)
    rows = [header]
    for name, row in zip(CATEGORIES, matrix):
        rows.append(name.ljust(width + 6) + "".join(str(v).rjust(width) for v in row))
    return "\n".join(rows)


def _confusion_png(matrix: list[list[int]], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display on servers and CI
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(5.5, 4.5))
    image = axes.imshow(matrix, cmap="Blues")
    axes.set_xticks(range(len(CATEGORIES)), CATEGORIES, rotation=30)
    axes.set_yticks(range(len(CATEGORIES)), CATEGORIES)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    axes.set_title(title)
    peak = max(max(row) for row in matrix) or 1
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            colour = "white" if value > peak / 2 else "black"
            axes.text(j, i, str(value), ha="center", va="center", color=colour)
    figure.colorbar(image)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _interval_text(report: dict[str, Any], key: str) -> str:
    """ " (95 % interval 0.925–0.964)" for a figure with a bootstrap interval in ``report``."""
    low, high = report[f"{key}_interval"]
    return f" ({report['interval_coverage']:.0%} interval {low:.3f}–{high:.3f})"


def refused_as_chat(result: TriagePrediction | InvalidText) -> TriagePrediction:
    """A text the model refuses (👍 alone) is what the gateway treats as no complaint, normal."""
    if isinstance(result, TriagePrediction):
        return result
    return TriagePrediction(
        category="other",
        category_confidence=0.0,
        category_probabilities={},
        urgency="normal",
        urgency_score=0.0,
        is_complaint=False,
        complaint_score=0.0,
    )


def evaluate(
    model: TriageModel, examples: list[Example], report_root: Path, name: str = ""
) -> Evaluation:
    """Score ``model`` on ``examples`` and write the report files (under ``name`` if given)."""
    all_predictions = [
        refused_as_chat(result) for result in model.triage_batch([e.text for e in examples])
    ]
    pairs = [(e, p) for e, p in zip(examples, all_predictions) if e.is_complaint and e.category]
    true_category = [str(e.category) for e, _ in pairs]
    predicted_category = [p.category for _, p in pairs]
    precision, recall, f1, support = precision_recall_fscore_support(
        true_category, predicted_category, labels=list(CATEGORIES), zero_division=0
    )
    matrix = confusion_matrix(true_category, predicted_category, labels=list(CATEGORIES)).tolist()
    urgent_true = [e.urgency == "urgent" for e in examples]
    urgent_pred = [p.is_urgent for p in all_predictions]
    hits = sum(t and p for t, p in zip(urgent_true, urgent_pred))
    urgent_recall = hits / max(1, sum(urgent_true))
    urgent_precision = hits / max(1, sum(urgent_pred))
    false_alarms = sum(p and not t for t, p in zip(urgent_true, urgent_pred))
    normal_total = len(examples) - sum(urgent_true)
    complaint_flags = [(e.is_complaint, p.is_complaint) for e, p in zip(examples, all_predictions)]
    complaints = [pred for true, pred in complaint_flags if true]
    chats = [pred for true, pred in complaint_flags if not true]
    misclassified = [
        {
            "text": e.text,
            "category": e.category,
            "is_complaint": e.is_complaint,
            "predicted_is_complaint": p.is_complaint,
            "complaint_score": round(p.complaint_score, 3),
            "predicted_category": p.category,
            "category_confidence": round(p.category_confidence, 3),
            "urgency": e.urgency,
            "predicted_urgency": p.urgency,
            "urgency_score": round(p.urgency_score, 3),
            "triggers": list(e.triggers),
            "reasons": [r.as_dict() for r in p.reasons],
        }
        for e, p in zip(examples, all_predictions)
        if (e.is_complaint and e.category != p.category)
        or e.urgency != p.urgency
        or e.is_complaint != p.is_complaint
    ]
    report: dict[str, Any] = {
        "model_version": model.version,
        "name": name,
        "examples": len(examples),
        "complaints": len(pairs),
        "category": {
            name: {
                "precision": round(float(pr), 4),
                "recall": round(float(rc), 4),
                "f1": round(float(f), 4),
                "support": int(s),
            }
            for name, pr, rc, f, s in zip(CATEGORIES, precision, recall, f1, support)
        },
        "category_macro_f1": round(
            float(f1_score(true_category, predicted_category, average="macro")), 4
        ),
        "category_macro_f1_interval": rounded(
            macro_f1_interval(true_category, predicted_category, CATEGORIES)
        ),
        "complaints_recognised": round(sum(complaints) / max(1, len(complaints)), 4),
        "chat_turns": len(chats),
        "chat_turns_recognised": round(sum(not flag for flag in chats) / len(chats), 4)
        if chats
        else None,
        "urgent_recall": round(urgent_recall, 4),
        "urgent_recall_interval": rounded(
            share_interval([p for t, p in zip(urgent_true, urgent_pred) if t])
        ),
        "urgent_precision": round(urgent_precision, 4),
        "urgent_support": sum(urgent_true),
        "normal_flagged_urgent": round(false_alarms / max(1, normal_total), 4),
        "normal_flagged_urgent_interval": rounded(
            share_interval([p for t, p in zip(urgent_true, urgent_pred) if not t])
        ),
        "interval_coverage": COVERAGE,
        "urgency_threshold": model.urgency_threshold,
        "confusion_matrix": {"labels": list(CATEGORIES), "matrix": matrix},
        "misclassified": len(misclassified),
    }
    folder = report_root / (model.version or "unversioned")
    if name:
        folder = folder / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    with (folder / "misclassified.jsonl").open("w", encoding="utf-8") as handle:
        for row in misclassified:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    _confusion_png(matrix, folder / "confusion.png", f"triage {model.version}")
    return Evaluation(report=report, text=_render(report, misclassified), folder=folder)


def _render(report: dict[str, Any], misclassified: list[dict[str, Any]]) -> str:
    lines = [
        f"model {report['model_version']} on {report['name'] or 'held-out'}: "
        f"{report['examples']} messages, {report['complaints']} complaints",
        "",
    ]
    lines.append(f"{'category':<14}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}")
    for name in CATEGORIES:
        row = report["category"][name]
        lines.append(
            f"{name:<14}{row['precision']:>10.3f}{row['recall']:>10.3f}"
            f"{row['f1']:>10.3f}{row['support']:>10}"
        )
    lines += [
        f"{'macro-F1':<14}{report['category_macro_f1']:>30.3f}"
        + _interval_text(report, "category_macro_f1"),
        "",
        f"complaints recognised as complaints {report['complaints_recognised']:.3f}"
        + (
            f", chat turns recognised as chat {report['chat_turns_recognised']:.3f} "
            f"({report['chat_turns']} chat turns)"
            if report["chat_turns"]
            else ""
        ),
        f"urgent recall {report['urgent_recall']:.3f}"
        + _interval_text(report, "urgent_recall")
        + f", precision {report['urgent_precision']:.3f} "
        f"({report['urgent_support']} urgent, threshold {report['urgency_threshold']:.3f}); "
        f"normal messages flagged urgent {report['normal_flagged_urgent']:.3f}"
        + _interval_text(report, "normal_flagged_urgent"),
        "",
        _confusion_text(report["confusion_matrix"]["matrix"]),
        "",
        f"misclassified: {len(misclassified)}",
    ]
    for row in misclassified:
        truth = row["category"] if row["is_complaint"] else "chat"
        predicted = row["predicted_category"] + ("" if row["predicted_is_complaint"] else "(chat)")
        lines.append(
            f"  [{truth}/{row['urgency']} → {predicted}/"
            f"{row['predicted_urgency']} {row['urgency_score']:.2f}] {row['text']}"
        )
    return "\n".join(lines)
