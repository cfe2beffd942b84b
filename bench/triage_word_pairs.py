"""Do word pairs beyond neighbours help the category model? Measured, not assumed.

``.venv/bin/python bench/triage_word_pairs.py [variant ...]`` (about two minutes).

The second label review (README) found the model's remaining mistakes on messages where two
distant words decide together (维修 … 烫伤: a repair that failed with a safety word in it).
A linear model over words, adjacent word pairs and characters cannot see that the two occur
together, so this bench adds, to the product's features, either pairs of words two to three
or two to five words apart, or every unordered pair of distinct words of two or more
characters in the message, and reports 5-fold CV macro-F1 on the training complaints (what
``train`` chooses by) beside the evaluation slices (reported, never used to choose).
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from triage_reading import SLICES

REPO = Path(__file__).resolve().parents[1]


def skip_pairs(max_gap: int) -> Callable[[str], list[str]]:
    """Pairs of jieba words 2 … ``max_gap`` positions apart (neighbours are already there)."""
    from triage_model import segment

    def analyzer(text: str) -> list[str]:
        tokens = segment.words(text)
        return [f"{a}…{b}" for gap in range(2, max_gap + 1) for a, b in zip(tokens, tokens[gap:])]

    return analyzer


def unordered_pairs(text: str) -> list[str]:
    """Every unordered pair of the message's distinct words of two or more characters."""
    from triage_model import segment

    words = list(dict.fromkeys(w for w in segment.words(text) if len(w) > 1))
    return ["&".join(sorted((a, b))) for i, a in enumerate(words) for b in words[i + 1 :]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variants", nargs="*", default=["product", "gap3", "gap5", "any"])
    args = parser.parse_args()
    warnings.filterwarnings("ignore")

    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import FeatureUnion, Pipeline

    from triage_model import features, segment
    from triage_model.dataset import DEFAULT_TRAIN_DIR, load_examples
    from triage_model.normalize import normalize

    extra: dict[str, Callable[[str], list[str]] | None] = {
        "product": None,
        "gap3": skip_pairs(3),
        "gap5": skip_pairs(5),
        "any": unordered_pairs,
    }

    def pipeline(name: str) -> Pipeline:
        parts: list[tuple[str, Any]] = [
            ("words", features._tfidf(features.word_ngrams)),
            ("chars", features._tfidf(segment.char_ngrams)),
        ]
        analyzer = extra[name]
        if analyzer is not None:
            parts.append(("pairs", features._tfidf(analyzer)))
        return Pipeline(
            [("features", FeatureUnion(parts)), ("model", features._calibrated(features._svm()))]
        )

    train = [e for e in load_examples([REPO / DEFAULT_TRAIN_DIR]) if e.category is not None]
    texts = [normalize(e.text) for e in train]
    labels = [str(e.category) for e in train]
    slices = {
        name: [
            e
            for e in load_examples([REPO / "nlu_data/triage" / name])
            if e.is_complaint and e.category
        ]
        for name in SLICES
    }
    print(f"{len(train)} training complaints; category macro-F1")
    print(f"{'variant':<9}{'CV':>8}" + "".join(f"{name[:10]:>12}" for name in SLICES))
    with segment.remembered_words():
        for name in args.variants:
            started = time.perf_counter()
            folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
            predicted = cross_val_predict(pipeline(name), texts, labels, cv=folds)
            fitted = pipeline(name).fit(texts, labels)
            row = f"{name:<9}{f1_score(labels, predicted, average='macro'):>8.4f}"
            for examples in slices.values():
                guesses = fitted.predict([normalize(e.text) for e in examples])
                truth = [str(e.category) for e in examples]
                row += f"{f1_score(truth, guesses, average='macro'):>12.4f}"
            print(row + f"   ({time.perf_counter() - started:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
