"""Category pipelines and per-file weights compared by leave-one-file-out over training files.

``.venv/bin/python bench/triage_lofo.py [--candidates NAME …] [--alpha A …]`` (about 3
minutes per variant on two cores). Candidates are named as in
``triage_model.features.CATEGORY_CANDIDATES`` and ``EXTRA_CANDIDATES``; the default is the
incumbent.

Why weights: should every training file weigh the same, whatever its length?

The training complaints come from ~48 files of 58 to 1,400 lines, each from one writer with a
voice of their own. Fitted with one weight per line, the long files set the boundary and a
short file's voice counts for little, although a shopper nobody has read is as likely to write
like the short file as like the long one. This bench gives each line the weight
``(mean file length / its file's length) ** alpha``: alpha 0 is the product (every line 1),
alpha 1 makes every file weigh the same, 0.5 lies between. The weights are rescaled to a mean
of 1 so the SVM's C keeps its meaning.

The figure is leave-one-file-out macro-F1 pooled over every file (each file predicted by a
model fitted on all the others): the closest stand-in for a writer nobody trained on, and it
uses the training data only. The evaluation slices are not read.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from triage_model.features import Candidate

REPO = Path(__file__).resolve().parents[1]
RESULT_FILE = REPO / "reports/bench/triage_lofo.json"


def line_weights(stems: list[str], alpha: float) -> list[float]:
    """Per-line weights ``(mean file length / file length) ** alpha``, rescaled to mean 1."""
    counts: dict[str, int] = {}
    for stem in stems:
        counts[stem] = counts.get(stem, 0) + 1
    mean_length = len(stems) / len(counts)
    raw = [(mean_length / counts[stem]) ** alpha for stem in stems]
    scale = len(raw) / sum(raw)
    return [weight * scale for weight in raw]


@dataclass(frozen=True)
class TrainingComplaints:
    """Every training complaint, normalised as the product reads it, with its file's stem."""

    stems: list[str]
    texts: list[str]
    labels: list[str]


def training_complaints() -> TrainingComplaints:
    """The complaints of ``nlu_data/triage/train``; chat turns have no category and are left out."""
    sys.path.insert(0, str(REPO))
    from triage_model.dataset import DEFAULT_TRAIN_DIR, load_examples
    from triage_model.normalize import normalize

    complaints = TrainingComplaints([], [], [])
    for example in load_examples([REPO / DEFAULT_TRAIN_DIR]):
        if example.category is not None:
            complaints.stems.append(example.source)
            complaints.texts.append(normalize(example.text))
            complaints.labels.append(example.category)
    return complaints


def leave_one_file_out(
    candidate: Candidate,
    data: TrainingComplaints,
    test_files: list[str],
    left_out: Collection[str] = (),
    alpha: float = 0.0,
) -> tuple[float, dict[str, float]]:
    """Pooled macro-F1 over ``test_files``, each predicted by ``candidate`` fitted on every
    other file except those in ``left_out``, and each test file's accuracy.

    ``alpha`` 0 fits without sample weights (the product); otherwise ``line_weights``.
    Call it inside ``segment.remembered_words()`` so the files are segmented once.
    """
    import numpy as np
    from sklearn.metrics import f1_score

    from triage_model.training import category_pipeline

    stems = np.array(data.stems)
    labels = np.array(data.labels)
    usable = ~np.isin(stems, sorted(left_out))
    truth: list[str] = []
    guess: list[str] = []
    per_file: dict[str, float] = {}
    for stem in test_files:
        test = np.flatnonzero(stems == stem)
        fit = np.flatnonzero(usable & (stems != stem))
        model = category_pipeline(candidate)
        fit_texts = [data.texts[i] for i in fit]
        if alpha:
            weights = np.array(line_weights([data.stems[i] for i in fit], alpha))
            model.fit(fit_texts, labels[fit], model__sample_weight=weights)
        else:
            model.fit(fit_texts, labels[fit])
        predicted = model.predict([data.texts[i] for i in test])
        truth += list(labels[test])
        guess += list(predicted)
        per_file[stem] = round(float(np.mean(predicted == labels[test])), 4)
    return round(float(f1_score(truth, guess, average="macro")), 4), per_file


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--alpha", type=float, nargs="+", default=[0.0], help="file weighting exponents"
    )
    parser.add_argument("--candidates", nargs="+", default=[], help="pipeline names to compare")
    parser.add_argument("--out", type=Path, default=RESULT_FILE, help="where the JSON goes")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")

    import numpy as np

    data = training_complaints()
    from triage_model.features import CATEGORY_CANDIDATES, EXTRA_CANDIDATES
    from triage_model.segment import remembered_words

    files = sorted(set(data.stems))
    by_name = {c.name: c for c in CATEGORY_CANDIDATES + EXTRA_CANDIDATES}
    unknown = [name for name in args.candidates if name not in by_name]
    if unknown:
        print(f"no such candidate: {', '.join(unknown)}; known: {', '.join(by_name)}")
        return 2
    candidates = [by_name[name] for name in args.candidates] or [CATEGORY_CANDIDATES[0]]
    variants = [(candidate, alpha) for candidate in candidates for alpha in args.alpha]
    print(f"{len(data.texts)} complaints in {len(files)} files", flush=True)

    result: dict[str, object] = {"files": len(files)}
    with remembered_words():
        for candidate, alpha in variants:
            started = time.perf_counter()
            macro, per_file = leave_one_file_out(candidate, data, files, alpha=alpha)
            worst = sorted(per_file.items(), key=lambda item: item[1])[:5]
            name = f"{candidate.name}, alpha {alpha}"
            result[name] = {"macro_f1": macro, "accuracy_per_file": per_file}
            print(
                f"{name:<48} leave-one-file-out macro-F1 {macro:.4f}"
                f"  mean accuracy per file {np.mean(list(per_file.values())):.4f}"
                f"  worst {', '.join(f'{s} {v:.3f}' for s, v in worst)}"
                f"  ({time.perf_counter() - started:.0f}s)",
                flush=True,
            )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
