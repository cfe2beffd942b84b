"""Does the category model do better without the clauses of a denied or withdrawn threat?

``.venv/bin/python bench/triage_denied_clauses.py`` (about a minute).

"不用升级到12315那种程度，我只要换个没划痕的镜子": the urgency rules already know that this threat
is denied, but the category model still reads 12315 and leans to ``after_sales``. This bench
drops, before the category features, every clause in which an urgency pattern matches but the
rules would not fire (negated, withdrawn in the same or the next clause, or settled), and
compares 5-fold CV macro-F1 on the training complaints (what ``train`` chooses by) with the
product's, beside the evaluation slices (reported, never used to choose).

It was written after reading held-out errors of that kind, so only CV could justify it.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

from triage_reading import SLICES, product_reading


def without_denied_clauses(text: str) -> str:
    """``text`` without the clauses whose urgency words the rules find denied or withdrawn."""
    from triage_model import urgency_rules as rules

    clauses = rules._CLAUSE_SPLIT.split(text)
    any_pattern = rules._any_pattern()
    kept = [
        clause
        for index, clause in enumerate(clauses)
        if not (clause.strip() and any_pattern.search(clause) and not _fires(clauses, index))
    ]
    if len(kept) == len(clauses):
        return text  # nothing dropped: the product's text, punctuation and all
    return "，".join(kept).strip() or text


def _fires(clauses: list[str], index: int) -> bool:
    from triage_model import urgency_rules as rules

    clause = clauses[index]
    if rules._SOLVED.search(clause):
        return False
    for pattern in rules.PATTERNS:
        if pattern.trigger == "external_threat" and rules._retracted(clauses, index):
            continue
        if any(not rules._negated(clause, m.start()) for m in pattern.regex.finditer(clause)):
            return True
    return False


def main() -> int:
    warnings.filterwarnings("ignore")
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import Pipeline

    from triage_model import features, segment

    def pipeline() -> Pipeline:
        return Pipeline(
            [
                ("features", features.build_features("words+chars")),
                ("model", features._calibrated(features._svm())),
            ]
        )

    with segment.remembered_words():
        reading = product_reading()
        variants: dict[str, Any] = {
            "product": lambda t: t,
            "denied dropped": without_denied_clauses,
        }
        changed = sum(without_denied_clauses(t) != t for t in reading.texts)
        print(f"{len(reading.texts)} training complaints, {changed} with a clause dropped")
        print(f"{'variant':<16}{'CV':>8}" + "".join(f"{name[:10]:>12}" for name in SLICES))
        for name, read in variants.items():
            started = time.perf_counter()
            texts = [read(t) for t in reading.texts]
            folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
            predicted = cross_val_predict(pipeline(), texts, reading.labels, cv=folds)
            fitted = pipeline().fit(texts, reading.labels)
            row = f"{name:<16}{f1_score(reading.labels, predicted, average='macro'):>8.4f}"
            for part in reading.slices.values():
                guesses = fitted.predict([read(t) for t in part.texts])
                row += f"{f1_score(part.truth, guesses, average='macro'):>12.4f}"
            print(row + f"   ({time.perf_counter() - started:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
