"""Model choices for the triage model, measured: cross-validation, held-out file, realistic slice.

``.venv/bin/python bench/triage_choices.py`` (a few minutes on two cores). For every category
pipeline of ``triage_model.features`` (the three ``train`` compares plus character 1–4-grams,
words without word pairs, no class weights, isotonic calibration, other C values, logistic
regression, naive Bayes): 5-fold CV macro-F1 on the training complaints, then the pipeline
fitted on all of them and scored on the complaints of the held-out file and of the realistic
slice. Then the urgency threshold: out-of-fold scores on the training data give the
threshold for several target recalls, and the trained artefact's scores on both held-out
sets show what each threshold does there. The realistic slice is *reported*, not used to
choose: ``train`` picks by CV alone.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RESULT_FILE = REPO / "reports/bench/triage_choices.json"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--model", type=Path, default=REPO / "models/triage/latest")
    parser.add_argument("--skip-slow", action="store_true", help="no logistic regression")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")

    import numpy as np
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import Pipeline

    from triage_model.dataset import (
        DEFAULT_HELDOUT_DIR,
        DEFAULT_REALISTIC_DIR,
        DEFAULT_TRAIN_DIR,
        load_examples,
    )
    from triage_model.features import CATEGORY_CANDIDATES, EXTRA_CANDIDATES, build_features
    from triage_model.normalize import normalize
    from triage_model.predictor import TriageModel
    from triage_model.training import _combined_scores, choose_threshold, rule_precision

    train = [e for e in load_examples([REPO / DEFAULT_TRAIN_DIR]) if e.category is not None]
    sets = {
        name: [e for e in load_examples([REPO / folder]) if e.is_complaint and e.category]
        for name, folder in (("heldout", DEFAULT_HELDOUT_DIR), ("realistic", DEFAULT_REALISTIC_DIR))
    }
    texts = [normalize(e.text) for e in train]
    labels = [str(e.category) for e in train]
    folds = StratifiedKFold(n_splits=args.folds, shuffle=True, random_state=0)
    rows: list[dict[str, Any]] = []
    candidates = CATEGORY_CANDIDATES + EXTRA_CANDIDATES
    if args.skip_slow:
        candidates = tuple(c for c in candidates if "logistic" not in c.name)
    print(f"category pipelines: {len(train)} training texts with a category, {args.folds}-fold CV")
    print(f"{'pipeline':<42}{'CV':>7}{'held-out':>10}{'realistic':>11}{'min class':>11}{'s':>6}")
    for candidate in candidates:
        started = time.perf_counter()

        def pipeline(chosen: Any = candidate) -> Pipeline:
            return Pipeline(
                [
                    ("features", build_features(chosen.features)),
                    ("model", chosen.make_classifier()),
                ]
            )

        predicted = cross_val_predict(pipeline(), texts, labels, cv=folds)
        fitted = pipeline().fit(texts, labels)
        row: dict[str, Any] = {
            "pipeline": candidate.name,
            "cv_macro_f1": round(float(f1_score(labels, predicted, average="macro")), 4),
        }
        for name, examples in sets.items():
            truth = [str(e.category) for e in examples]
            guess = fitted.predict([normalize(e.text) for e in examples])
            row[f"{name}_macro_f1"] = round(float(f1_score(truth, guess, average="macro")), 4)
            per_class = f1_score(truth, guess, average=None)
            row[f"{name}_min_class_f1"] = round(float(min(per_class)), 4)
        row["seconds"] = round(time.perf_counter() - started, 1)
        rows.append(row)
        print(
            f"{candidate.name:<42}{row['cv_macro_f1']:>7.3f}{row['heldout_macro_f1']:>10.3f}"
            f"{row['realistic_macro_f1']:>11.3f}{row['realistic_min_class_f1']:>11.3f}"
            f"{row['seconds']:>6.0f}",
            flush=True,
        )

    thresholds = urgency_thresholds(
        args, np, normalize, rule_precision, _combined_scores, choose_threshold, TriageModel
    )
    RESULT_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULT_FILE.write_text(
        json.dumps(
            {"category": rows, "urgency": thresholds},
            ensure_ascii=False,
            indent=2,
        )
        + "\n"
    )
    return 0


def urgency_thresholds(
    args: Any,
    np: Any,
    normalize: Any,
    rule_precision: Any,
    combined_scores: Any,
    choose_threshold: Any,
    model_class: Any,
) -> list[Any]:
    """Threshold for several out-of-fold recall targets, and what each does on held-out data."""
    from triage_model.chat_turns import DEFAULT_INTENTS_DIR
    from triage_model.dataset import DEFAULT_HELDOUT_DIR, DEFAULT_REALISTIC_DIR, load_examples
    from triage_model.training import training_examples, urgency_out_of_fold

    model = model_class.load(args.model)
    labelled, chat = training_examples(
        REPO / "nlu_data/triage/train",
        REPO / DEFAULT_INTENTS_DIR,
        (REPO / DEFAULT_HELDOUT_DIR, REPO / DEFAULT_REALISTIC_DIR),
    )
    examples = labelled + chat
    texts = [normalize(e.text) for e in examples]
    urgencies = [e.urgency for e in examples]
    # The same out-of-fold scores ``train`` computes (binary and per-trigger models).
    oof = urgency_out_of_fold(texts, examples, model.metadata["category"]["features"], args.folds)
    rules = {k: v["score"] for k, v in rule_precision(texts, examples).items()}
    combined = combined_scores(oof, texts, rules)
    is_urgent = np.array([u == "urgent" for u in urgencies])
    held = {
        name: load_examples([REPO / folder])
        for name, folder in (("heldout", DEFAULT_HELDOUT_DIR), ("realistic", DEFAULT_REALISTIC_DIR))
    }
    scores = {
        name: np.array(
            [
                p.urgency_score if not isinstance(p, Exception) else 0.0
                for p in model.triage_batch([e.text for e in exs])
            ]
        )
        for name, exs in held.items()
    }
    results = []
    print("\nurgency threshold (artefact's models; out-of-fold recall target on training data)")
    print(
        f"{'target':>7}{'threshold':>10}  {'held-out R / P / normal→urgent':<32}"
        f"{'realistic R / P / normal→urgent':<32}"
    )
    for target in (0.95, 0.96, 0.97, 0.98, 0.99):
        chosen = choose_threshold(combined, is_urgent, target)
        row: dict[str, Any] = {"target_recall": target, **chosen}
        cells = []
        for name, exs in held.items():
            truth = np.array([e.urgency == "urgent" for e in exs])
            flagged = scores[name] >= chosen["threshold"]
            recall = float((flagged & truth).sum() / max(1, truth.sum()))
            precision = float((flagged & truth).sum() / max(1, flagged.sum()))
            false_alarms = float((flagged & ~truth).sum() / max(1, (~truth).sum()))
            row[name] = {
                "recall": round(recall, 4),
                "precision": round(precision, 4),
                "normal_flagged_urgent": round(false_alarms, 4),
            }
            cells.append(f"{recall:.3f} / {precision:.3f} / {false_alarms:.3f}")
        results.append(row)
        print(f"{target:>7.2f}{chosen['threshold']:>10.3f}  {cells[0]:<32}{cells[1]:<32}")
    return results


if __name__ == "__main__":
    sys.exit(main())
