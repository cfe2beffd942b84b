"""Does a small neural network learn what the linear category model cannot? Measured.

``.venv/bin/python bench/triage_mlp.py [--features K] [--hidden H]`` (about 2.5 minutes).

A linear model gives each word its own weight, so "a repair that failed" and "a safety
word" cannot decide together. A one-hidden-layer network (scikit-learn's MLPClassifier, ReLU)
over the product's TF-IDF features can learn such interactions. The features are cut to the
K best by chi² first, so the first layer stays small. The bench reports 5-fold CV macro-F1
on the training complaints (what ``train`` chooses by) for the product's calibrated SVM, the
network, and the mean of the two models' probabilities, then the same three on the
evaluation slices. The slices are reported, never used to choose.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path
from typing import Any

from triage_reading import SLICES

REPO = Path(__file__).resolve().parents[1]


def fit(texts: list[str], labels: Any, k: int, hidden: int) -> tuple[Any, Any, Any, Any]:
    """Features, chi² selection, network and the product's SVM, fitted on these texts."""
    from sklearn.feature_selection import SelectKBest, chi2
    from sklearn.neural_network import MLPClassifier

    from triage_model import features

    extractor = features.build_features("words+chars")
    matrix = extractor.fit_transform(texts)
    selection = SelectKBest(chi2, k=min(k, matrix.shape[1])).fit(matrix, labels)
    network = MLPClassifier(
        hidden_layer_sizes=(hidden,),
        alpha=1e-4,
        batch_size=256,
        learning_rate_init=2e-3,
        max_iter=12,
        random_state=0,
    ).fit(selection.transform(matrix), labels)
    svm = features._calibrated(features._svm()).fit(matrix, labels)
    return extractor, selection, network, svm


def probabilities(model: tuple[Any, Any, Any, Any], texts: list[str]) -> dict[str, Any]:
    """The SVM's, the network's and their mean probabilities for ``texts``."""
    extractor, selection, network, svm = model
    matrix = extractor.transform(texts)
    by_svm = svm.predict_proba(matrix)
    by_network = network.predict_proba(selection.transform(matrix))
    return {"svm": by_svm, "network": by_network, "mean": (by_svm + by_network) / 2}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", type=int, default=30000)
    parser.add_argument("--hidden", type=int, default=128)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")

    import numpy as np
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    from triage_model.dataset import DEFAULT_TRAIN_DIR, load_examples
    from triage_model.normalize import normalize
    from triage_model.segment import remembered_words

    train = [e for e in load_examples([REPO / DEFAULT_TRAIN_DIR]) if e.category is not None]
    texts = [normalize(e.text) for e in train]
    labels = np.array([str(e.category) for e in train])
    started = time.perf_counter()
    with remembered_words():
        out_of_fold = {name: np.zeros((len(texts), 4)) for name in ("svm", "network", "mean")}
        folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
        classes = np.array(sorted(set(labels)))
        for train_rows, test_rows in folds.split(texts, labels):
            model = fit(
                [texts[i] for i in train_rows], labels[train_rows], args.features, args.hidden
            )
            for name, scores in probabilities(model, [texts[i] for i in test_rows]).items():
                out_of_fold[name][test_rows] = scores
        print(f"{len(train)} training complaints, {args.features} features, {args.hidden} hidden")
        print(f"{'':<19}{'svm':>9}{'network':>9}{'mean':>9}")
        row = "".join(
            f"{f1_score(labels, classes[p.argmax(axis=1)], average='macro'):>9.4f}"
            for p in out_of_fold.values()
        )
        print(f"{'5-fold CV':<19}{row}")
        model = fit(texts, labels, args.features, args.hidden)
        for name in SLICES:
            examples = [
                e
                for e in load_examples([REPO / "nlu_data/triage" / name])
                if e.is_complaint and e.category
            ]
            truth = [str(e.category) for e in examples]
            scores = probabilities(model, [normalize(e.text) for e in examples])
            row = "".join(
                f"{f1_score(truth, classes[p.argmax(axis=1)], average='macro'):>9.4f}"
                for p in scores.values()
            )
            print(f"{name:<19}{row}")
    print(f"({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
