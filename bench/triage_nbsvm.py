"""Does NB-SVM (naive-Bayes-weighted features) beat the plain SVM on the category? Measured.

``.venv/bin/python bench/triage_nbsvm.py`` (about two minutes).

NB-SVM (Wang & Manning 2012) scales each feature by its naive-Bayes log-count ratio for a
class before a one-vs-rest linear SVM, and often beats both on short texts. The bench uses
the product's reading (normalised, pinyin rewritten) and features (TF-IDF words, word pairs
and characters 1–3), the ratios from binary counts with smoothing ``alpha``, and compares
5-fold CV macro-F1 on the training complaints (what ``train`` chooses by) with the plain
SVM's, both uncalibrated (argmax of the decision values), beside the evaluation slices
(reported, never used to choose).
"""

from __future__ import annotations

import time
import warnings
from typing import Any

from triage_reading import SLICES, product_reading

#: (name, SVM C, NB smoothing alpha); alpha None is the plain SVM of the product.
CONFIGS: tuple[tuple[str, float, float | None], ...] = (
    ("svm C=0.5", 0.5, None),
    ("nbsvm C=0.5 a=1", 0.5, 1.0),
    ("nbsvm C=0.25 a=0.5", 0.25, 0.5),
    ("nbsvm C=0.1 a=1", 0.1, 1.0),
)


def _features(binary: bool) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    from triage_model import features, segment

    options: dict[str, Any] = {"sublinear_tf": True, "min_df": 1}
    if binary:
        options = {"binary": True, "use_idf": False, "norm": None, "min_df": 1}
    return FeatureUnion(
        [
            ("words", TfidfVectorizer(analyzer=features.word_ngrams, **options)),
            ("chars", TfidfVectorizer(analyzer=segment.char_ngrams, **options)),
        ]
    )


def fit_and_predict(
    texts: list[str], labels: Any, c: float, alpha: float | None, targets: list[list[str]]
) -> list[Any]:
    """Fit on ``texts`` and return the predicted labels of each list of ``targets``."""
    import numpy as np
    from sklearn.svm import LinearSVC

    extractor = _features(binary=False)
    matrix = extractor.fit_transform(texts)
    if alpha is None:
        svm = LinearSVC(C=c, class_weight="balanced").fit(matrix, labels)
        return [svm.predict(extractor.transform(target)) for target in targets]
    counts = _features(binary=True).fit(texts)
    present = counts.transform(texts)
    classes = np.array(sorted(set(labels)))
    ratios, models = [], []
    for name in classes:
        positive = labels == name
        p = alpha + np.asarray(present[positive].sum(axis=0)).ravel()
        q = alpha + np.asarray(present[~positive].sum(axis=0)).ravel()
        ratio = np.log((p / p.sum()) / (q / q.sum()))
        ratios.append(ratio)
        models.append(
            LinearSVC(C=c, class_weight="balanced").fit(
                matrix.multiply(ratio).tocsr(), positive.astype(int)
            )
        )
    predictions = []
    for target in targets:
        rows = extractor.transform(target)
        scores = np.column_stack(
            [m.decision_function(rows.multiply(r).tocsr()) for r, m in zip(ratios, models)]
        )
        predictions.append(classes[scores.argmax(axis=1)])
    return predictions


def main() -> int:
    warnings.filterwarnings("ignore")
    import numpy as np
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    from triage_model import segment

    with segment.remembered_words():
        reading = product_reading()
        texts, labels = reading.texts, np.array(reading.labels)
        slice_texts = [part.texts for part in reading.slices.values()]
        folds = list(StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(texts, labels))
        print(f"{len(texts)} training complaints; category macro-F1")
        print(f"{'model':<20}{'CV':>8}" + "".join(f"{name[:10]:>12}" for name in SLICES))
        for name, c, alpha in CONFIGS:
            started = time.perf_counter()
            out_of_fold = np.empty(len(texts), dtype=object)
            for train_rows, test_rows in folds:
                out_of_fold[test_rows] = fit_and_predict(
                    [texts[i] for i in train_rows],
                    labels[train_rows],
                    c,
                    alpha,
                    [[texts[i] for i in test_rows]],
                )[0]
            row = f"{name:<20}{f1_score(labels, out_of_fold.astype(str), average='macro'):>8.4f}"
            guesses = fit_and_predict(texts, labels, c, alpha, slice_texts)
            for part, guessed in zip(reading.slices.values(), guesses):
                row += f"{f1_score(part.truth, guessed, average='macro'):>12.4f}"
            print(row + f"   ({time.perf_counter() - started:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
