"""Urgency model variants, measured by 5-fold out-of-fold scores on the training data.

``.venv/bin/python bench/triage_urgency.py [--only NAME ...] [--seeds 1 2 3]`` (about a minute
per variant and seed on two cores). Every variant's out-of-fold model score is combined with
the rules as ``train`` combines them (the larger of the model's score and the measured
precision of any rule that fired), the threshold is the highest one reaching 97 % out-of-fold
urgent recall (``training.TARGET_RECALL``), and the figure that decides is the share of the
*labelled* normal messages flagged urgent there (the intent chat turns, nearly all easy, are
left out of that share), with the precision. The held-out file and the realistic slice are
not read: this is how the urgency model is chosen, without them.

Variants: the binary urgent/normal model alone (the model before), a seven-class
trigger-or-none model, one binary model per trigger (max over triggers), the chosen mean of
the binary model and the per-trigger maximum, a logistic-regression stack over those scores
and the rules' evidence, rule-evidence tokens as extra features, hard negatives (normal
messages with a rule word, negated or not) weighted up, character n-grams alone, other C
values, balanced class weights and isotonic calibration.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RESULT_FILE = REPO / "reports/bench/triage_urgency.json"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="variant names (default: all)")
    parser.add_argument("--seeds", nargs="*", type=int, default=[1])
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    bench = UrgencyBench(args.folds)
    variants = bench.variants()
    names = args.only or list(variants)
    print(
        f"{len(bench.texts)} texts ({int(bench.urgent.sum())} urgent, "
        f"{int(bench.normals.sum())} labelled normal), {args.folds}-fold, seeds {args.seeds}"
    )
    print(f"{'variant':<58}{'seed':>5}{'threshold':>10}{'precision':>10}{'normal→urgent':>15}")
    rows = []
    for name in names:
        for seed in args.seeds:
            started = time.perf_counter()
            row = bench.measure(variants[name](seed))
            row.update(variant=name, seed=seed, seconds=round(time.perf_counter() - started, 1))
            rows.append(row)
            print(
                f"{name:<58}{seed:>5}{row['threshold']:>10.3f}{row['precision']:>10.3f}"
                f"{row['normal_flagged_urgent']:>15.4f}",
                flush=True,
            )
    RESULT_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULT_FILE.write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
    return 0


class UrgencyBench:
    """The training data as ``train`` builds it, and out-of-fold scores of model variants."""

    def __init__(self, folds: int) -> None:
        import numpy as np

        from triage_model.chat_turns import DEFAULT_INTENTS_DIR
        from triage_model.dataset import DEFAULT_HELDOUT_DIR, DEFAULT_REALISTIC_DIR
        from triage_model.normalize import normalize
        from triage_model.training import rule_precision, training_examples
        from triage_model.urgency_rules import find_hits

        labelled, chat = training_examples(
            REPO / "nlu_data/triage/train",
            REPO / DEFAULT_INTENTS_DIR,
            (REPO / DEFAULT_HELDOUT_DIR, REPO / DEFAULT_REALISTIC_DIR),
        )
        self.examples = labelled + chat
        self.folds = folds
        self.texts = [normalize(e.text) for e in self.examples]
        self.urgent = np.array([e.urgency == "urgent" for e in self.examples])
        self.normals = ~self.urgent & (np.arange(len(self.examples)) < len(labelled))
        self.rules = {k: v["score"] for k, v in rule_precision(self.texts, self.examples).items()}
        self.hits = [find_hits(text) for text in self.texts]
        self.rule_max = np.array(
            [max([self.rules[h.pattern] for h in hits], default=0.0) for hits in self.hits]
        )
        self._evidence: Any = None

    # -- scores ------------------------------------------------------------------------

    def measure(self, model_scores: Any, with_rules: bool = True) -> dict[str, Any]:
        import numpy as np

        from triage_model.training import TARGET_RECALL, choose_threshold

        combined = np.maximum(model_scores, self.rule_max) if with_rules else model_scores
        chosen = choose_threshold(combined, self.urgent, TARGET_RECALL)
        flagged = combined >= chosen["threshold"]
        false_alarms = float((flagged & self.normals).sum() / self.normals.sum())
        return {**chosen, "normal_flagged_urgent": round(false_alarms, 4)}

    def out_of_fold(
        self,
        seed: int,
        fit_predict: Callable[[Any, Any, Any], dict[str, Any]],
        kind: str = "words+chars",
        extra: Any = None,
    ) -> list[tuple[Any, dict[str, Any]]]:
        """Per fold: the test rows and ``fit_predict(train_matrix, test_matrix, train_rows)``."""
        from scipy import sparse
        from sklearn.model_selection import StratifiedKFold

        from triage_model.features import build_features

        results = []
        splitter = StratifiedKFold(n_splits=self.folds, shuffle=True, random_state=seed)
        for train_rows, test_rows in splitter.split(self.texts, self.urgent):
            features = build_features(kind)
            train_matrix = features.fit_transform([self.texts[i] for i in train_rows])
            test_matrix = features.transform([self.texts[i] for i in test_rows])
            if extra is not None:
                train_matrix = sparse.hstack([train_matrix, extra[train_rows]]).tocsr()
                test_matrix = sparse.hstack([test_matrix, extra[test_rows]]).tocsr()
            results.append((test_rows, fit_predict(train_matrix, test_matrix, train_rows)))
        return results

    def scores(
        self,
        seed: int,
        make: Callable[[], Any] | None = None,
        kind: str = "words+chars",
        weights: Any = None,
        extra: Any = None,
        seven_classes: bool = False,
    ) -> dict[str, Any]:
        """Out-of-fold binary, per-trigger and seven-class probabilities of one model kind."""
        import numpy as np

        from triage_model.features import trigger_classifier, urgency_classifier
        from triage_model.labels import TRIGGERS
        from triage_model.trigger_urgency import fit_per_trigger

        make_binary = make or urgency_classifier
        make_trigger = make or trigger_classifier
        labels = self.urgent.astype(int)
        classes = np.array([e.trigger_class for e in self.examples])

        def fit_predict(train: Any, test: Any, rows: Any) -> dict[str, Any]:
            fit_args = {} if weights is None else {"sample_weight": weights[rows]}
            binary = make_binary().fit(train, labels[rows], **fit_args)
            per_trigger = fit_per_trigger(
                train, [self.examples[i].triggers for i in rows], make_trigger
            )
            result = {
                "binary": binary.predict_proba(test)[:, 1],
                "per_trigger": per_trigger.predict_proba(test),
                "seven": np.zeros(test.shape[0]),
            }
            if seven_classes:
                seven = make_binary().fit(train, classes[rows])
                none = list(seven.classes_).index("none")
                result["seven"] = 1.0 - seven.predict_proba(test)[:, none]
            return result

        out = {
            "binary": np.zeros(len(self.texts)),
            "per_trigger": np.zeros((len(self.texts), len(TRIGGERS))),
            "seven": np.zeros(len(self.texts)),
        }
        for test_rows, predicted in self.out_of_fold(seed, fit_predict, kind, extra):
            for key, value in predicted.items():
                out[key][test_rows] = value
        return out

    def evidence(self) -> Any:
        """Rule evidence as tokens: each pattern fired, negated, settled or withdrawn."""
        if self._evidence is None:
            from sklearn.feature_extraction.text import CountVectorizer

            from triage_model import urgency_rules as rules

            def tokens(text: str) -> list[str]:
                found = []
                clauses = rules._CLAUSE_SPLIT.split(text)
                for index, clause in enumerate(clauses):
                    settled = bool(rules._SOLVED.search(clause))
                    for pattern in rules.PATTERNS:
                        match = pattern.regex.search(clause)
                        if match is None:
                            continue
                        if settled:
                            how = "settled"
                        elif pattern.trigger == "external_threat" and rules._retracted(
                            clauses, index
                        ):
                            how = "withdrawn"
                        elif rules._negated(clause, match.start()):
                            how = "negated"
                        else:
                            how = "fired"
                        found += [f"{how}:{pattern.name}", f"{how}:{pattern.trigger}", how]
                return found or ["no_rule"]

            vectorizer = CountVectorizer(analyzer=tokens, binary=True)
            self._evidence = vectorizer.fit_transform(self.texts).astype(float).tocsr()
        return self._evidence

    # -- variants ----------------------------------------------------------------------

    def variants(self) -> dict[str, Callable[[int], Any]]:
        import numpy as np
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold, cross_val_predict

        from triage_model.features import _calibrated, _svm
        from triage_model.labels import TRIGGERS
        from triage_model.trigger_urgency import model_urgency

        cache: dict[tuple[Any, ...], dict[str, Any]] = {}

        def base(seed: int) -> dict[str, Any]:
            if ("base", seed) not in cache:
                cache["base", seed] = self.scores(seed, seven_classes=True)
            return cache["base", seed]

        def chosen(s: dict[str, Any]) -> Any:
            return model_urgency(s["binary"], s["per_trigger"])

        def stacked(seed: int) -> Any:
            s = base(seed)
            clipped = np.clip(np.column_stack([s["binary"], s["per_trigger"]]), 1e-4, 1 - 1e-4)
            rule_columns = np.zeros((len(self.texts), len(TRIGGERS)))
            for row, hits in enumerate(self.hits):
                for hit in hits:
                    column = TRIGGERS.index(hit.trigger)
                    rule_columns[row, column] = max(
                        rule_columns[row, column], self.rules[hit.pattern]
                    )
            features = np.column_stack([np.log(clipped / (1 - clipped)), rule_columns])
            return cross_val_predict(
                LogisticRegression(C=1.0, max_iter=1000),
                features,
                self.urgent.astype(int),
                cv=StratifiedKFold(self.folds, shuffle=True, random_state=seed + 100),
                method="predict_proba",
            )[:, 1]

        def hard_negatives(seed: int, weight: float) -> Any:
            no_rule = self.evidence().sum(axis=1).A1 <= 1  # only the "no_rule" token
            weights = np.where(~self.urgent & ~no_rule, weight, 1.0)
            return chosen(self.scores(seed, weights=weights))

        def variant(make: Callable[[], Any] | None = None, kind: str = "words+chars") -> Any:
            return lambda seed: chosen(self.scores(seed, make, kind))

        return {
            "binary urgent/normal model alone (before)": lambda seed: base(seed)["binary"],
            "seven classes (six triggers or none): 1 - P(none)": lambda seed: base(seed)["seven"],
            "one binary model per trigger: max": lambda seed: base(seed)["per_trigger"].max(1),
            "mean(binary, per-trigger max) (chosen)": lambda seed: chosen(base(seed)),
            "mean(binary, seven classes)": lambda seed: (
                (base(seed)["binary"] + base(seed)["seven"]) / 2
            ),
            "stack: logistic regression over the scores and rules": stacked,
            "rule evidence as features (binary model)": lambda seed: self.scores(
                seed, extra=self.evidence()
            )["binary"],
            "hard negatives (normal with a rule word) weight 3": lambda seed: hard_negatives(
                seed, 3.0
            ),
            "chosen, character 1-3-grams only": variant(kind="chars"),
            "chosen, words + character 1-4-grams": variant(kind="words+chars4"),
            "chosen, C = 0.5": variant(lambda: _calibrated(_svm(0.5, None))),
            "chosen, C = 2": variant(lambda: _calibrated(_svm(2.0, None))),
            "chosen, balanced class weights": variant(lambda: _calibrated(_svm(1.0))),
            "chosen, isotonic calibration": variant(
                lambda: _calibrated(_svm(1.0, None), "isotonic")
            ),
        }


if __name__ == "__main__":
    sys.exit(main())
