"""Training complaints whose category label the model disputes, for a blind second reading.

``.venv/bin/python bench/triage_label_audit.py`` (about a minute) writes
``reports/triage/label_audit/suspects.jsonl``: every training complaint whose 5-fold
out-of-fold probability for its own label is below ``--below`` (default 0.2), with its file
and line. The model is only the *finder*: the reviewers get the texts without the current
label or the model's answer (``--blind`` writes that file), label them by the guide, and a
label is changed only where two independent reviewers agree with each other and not with
the file (``--apply``). This reads the training data alone; the evaluation slices are never
looked at, so cleaning labels this way cannot teach the tests.
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
AUDIT_DIR = REPO / "reports/triage/label_audit"


def training_rows(train_dir: Path) -> list[dict[str, Any]]:
    """Every training complaint with a category, with the file and line it came from."""
    from triage_model.dataset import data_files

    rows: list[dict[str, Any]] = []
    for path in data_files(train_dir):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            record = json.loads(line)
            if record.get("category") is None or record.get("is_complaint", True) is False:
                continue
            rows.append({"file": path.name, "line": number, **record})
    return rows


def find_suspects(rows: list[dict[str, Any]], below: float, folds: int) -> list[dict[str, Any]]:
    """Rows whose out-of-fold probability for their own label is below ``below``."""
    import numpy as np
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from triage_model.features import CATEGORY_CANDIDATES
    from triage_model.normalize import normalize
    from triage_model.segment import remembered_words
    from triage_model.training import category_pipeline

    texts = [normalize(row["text"]) for row in rows]
    labels = np.array([row["category"] for row in rows])
    with remembered_words():
        pipeline = category_pipeline(CATEGORY_CANDIDATES[0])
        oof = cross_val_predict(
            pipeline,
            texts,
            labels,
            cv=StratifiedKFold(n_splits=folds, shuffle=True, random_state=0),
            method="predict_proba",
        )
    classes = sorted(set(labels))
    suspects = []
    for row, probabilities in zip(rows, oof):
        own = float(probabilities[classes.index(row["category"])])
        if own < below:
            best = int(np.argmax(probabilities))
            suspects.append(
                {
                    **row,
                    "own_probability": round(own, 3),
                    "model_says": classes[best],
                    "model_probability": round(float(probabilities[best]), 3),
                }
            )
    return suspects


def apply_agreed(readings: list[Path], suspects_file: Path, train_dir: Path) -> int:
    """Relabel the lines two readings agree on against the file; returns how many changed."""
    from triage_model.labels import CATEGORIES

    suspects = {s["id"]: s for s in map(json.loads, suspects_file.read_text().splitlines()) if s}
    verdicts: dict[int, list[str]] = {}
    for reading in readings:
        for line in reading.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                verdicts.setdefault(int(record["id"]), []).append(str(record["category"]))
    changes: dict[str, dict[int, str]] = {}
    for ident, given in verdicts.items():
        suspect = suspects[ident]
        agreed = len(given) == len(readings) and len(set(given)) == 1
        if agreed and given[0] in CATEGORIES and given[0] != suspect["category"]:
            changes.setdefault(suspect["file"], {})[suspect["line"]] = given[0]
    for name, lines in changes.items():
        path = train_dir / name
        text = path.read_text(encoding="utf-8").splitlines()
        for number, category in lines.items():
            record = json.loads(text[number - 1])
            record["category"] = category
            text[number - 1] = json.dumps(record, ensure_ascii=False)
        path.write_text("\n".join(text) + "\n", encoding="utf-8")
    return sum(len(lines) for lines in changes.values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--below", type=float, default=0.2)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--apply", type=Path, nargs="*", help="two or more reviewers' files")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")

    from triage_model.dataset import DEFAULT_TRAIN_DIR

    train_dir = REPO / DEFAULT_TRAIN_DIR
    suspects_file = AUDIT_DIR / "suspects.jsonl"
    if args.apply:
        changed = apply_agreed(args.apply, suspects_file, train_dir)
        print(f"{changed} labels changed where all {len(args.apply)} readings agreed")
        return 0
    rows = training_rows(train_dir)
    suspects = find_suspects(rows, args.below, args.folds)
    for ident, suspect in enumerate(suspects):
        suspect["id"] = ident
    AUDIT_DIR.mkdir(parents=True, exist_ok=True)
    suspects_file.write_text(
        "".join(json.dumps(s, ensure_ascii=False) + "\n" for s in suspects), encoding="utf-8"
    )
    (AUDIT_DIR / "blind.jsonl").write_text(
        "".join(
            json.dumps({"id": s["id"], "text": s["text"]}, ensure_ascii=False) + "\n"
            for s in suspects
        ),
        encoding="utf-8",
    )
    by_pair: dict[str, int] = {}
    for s in suspects:
        key = f"{s['category']} → {s['model_says']}"
        by_pair[key] = by_pair.get(key, 0) + 1
    print(f"{len(suspects)} of {len(rows)} training complaints below {args.below} for their label")
    for key, count in sorted(by_pair.items(), key=lambda item: -item[1]):
        print(f"  {key:<28}{count:>5}")
    print(f"written: {suspects_file} and {AUDIT_DIR / 'blind.jsonl'} (texts only, for reviewers)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
