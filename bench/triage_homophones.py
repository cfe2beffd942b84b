"""Homophone typos: how much category accuracy they cost, and whether pinyin features win it back.

``.venv/bin/python bench/triage_homophones.py`` (about 6 minutes on two cores).

Shoppers type with a pinyin keyboard, and its commonest slip is the wrong character with the
right sound (没生音 for 没声音, 推货 for 退货, 态慢 for 太慢). Cross-validation on our written
data cannot show what such typos cost, because the data has almost none. So each left-out
training file (leave-one-file-out, the stand-in for a writer nobody trained on) is predicted
as written and with a share of its Chinese characters swapped for another character of the
same toneless pinyin (drawn by how often the training data uses it), by

- ``words+chars``: the product's features (jieba words and word pairs, character 1–3-grams);
- ``words+chars+pinyin``: the same plus toneless pinyin syllable pairs and triples
  (``triage_model.features.PinyinGrams``), which a same-sound typo leaves unchanged.

Both with the product's calibrated linear SVM. Then both are fitted on all training
complaints and the evaluation slices are scored as written and with the same typos, and the
trained artefact's urgency and complaint-or-not too: those are reported, not used to choose.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import warnings
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RESULT_FILE = REPO / "reports/bench/triage_homophones.json"
FEATURES = ("words+chars", "words+chars+pinyin")


class Homophones:
    """Swaps characters for same-sound ones, as a pinyin keyboard's wrong pick does."""

    def __init__(self, texts: list[str]) -> None:
        from pypinyin import Style, lazy_pinyin

        counts = Counter(ch for text in texts for ch in text if "\u4e00" <= ch <= "\u9fff")
        self._sound = {ch: lazy_pinyin(ch, style=Style.NORMAL)[0] for ch in counts}
        self._alike: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for ch, count in counts.most_common():
            self._alike[self._sound[ch]].append((ch, count))

    def typed(self, text: str, share: float, seed: int) -> str:
        """``text`` with about ``share`` of its Chinese characters mistyped (same seed, same)."""
        if share <= 0:
            return text
        chooser = random.Random(seed)
        out = []
        for ch in text:
            sound = self._sound.get(ch)
            if sound is not None and chooser.random() < share:
                others = [(other, n) for other, n in self._alike[sound] if other != ch]
                if others:
                    ch = chooser.choices([o for o, _ in others], [n for _, n in others])[0]
            out.append(ch)
        return "".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shares", default="0,0.02,0.05", help="typo shares to test")
    parser.add_argument("--skip-slices", action="store_true")
    parser.add_argument("--model", type=Path, default=REPO / "models/triage/latest")
    parser.add_argument(
        "--write-realistic",
        type=Path,
        metavar="DIR",
        help="only write the realistic slice with the first share of typos to DIR, for "
        "bench/realistic_routing_bench.py --folder DIR (the Rasa venv has no pypinyin)",
    )
    args = parser.parse_args()
    shares = [float(s) for s in args.shares.split(",")]
    warnings.filterwarnings("ignore")
    if args.write_realistic:
        return _write_realistic(args.write_realistic, shares[0])

    import numpy as np
    from sklearn.metrics import f1_score

    sys.path.insert(0, str(REPO))
    sys.path.insert(0, str(REPO / "bench"))
    from triage_reading import SLICES

    from triage_model.dataset import DEFAULT_TRAIN_DIR, data_files, load_examples
    from triage_model.features import Candidate, _calibrated, _svm
    from triage_model.normalize import normalize
    from triage_model.segment import remembered_words
    from triage_model.training import category_pipeline

    rows: list[tuple[str, str, str]] = []  # (file stem, raw text, category)
    for path in data_files(REPO / DEFAULT_TRAIN_DIR):
        rows += [(path.stem, e.text, str(e.category)) for e in load_examples([path]) if e.category]
    typos = Homophones([row[1] for row in rows])
    stems = np.array([row[0] for row in rows])
    labels = np.array([row[2] for row in rows])
    clean = [normalize(row[1]) for row in rows]
    mistyped = {
        share: [normalize(typos.typed(row[1], share, i)) for i, row in enumerate(rows)]
        for share in shares
    }
    candidates = [Candidate(kind, kind, lambda: _calibrated(_svm())) for kind in FEATURES]
    result: dict[str, Any] = {"shares": shares, "leave_one_file_out": {}, "slices": {}}

    print(f"leave-one-file-out category macro-F1 over {len(set(stems))} training files")
    print(f"{'features':<22}" + "".join(f"{f'typos {share:.0%}':>12}" for share in shares))
    with remembered_words():
        for candidate in candidates:
            started = time.perf_counter()
            guesses: dict[float, list[str]] = {share: [] for share in shares}
            truth: list[str] = []
            for stem in sorted(set(stems)):
                test = np.flatnonzero(stems == stem)
                fit = np.flatnonzero(stems != stem)
                model = category_pipeline(candidate).fit([clean[i] for i in fit], labels[fit])
                truth += list(labels[test])
                for share in shares:
                    guesses[share] += list(model.predict([mistyped[share][i] for i in test]))
            scores = {
                share: round(float(f1_score(truth, guesses[share], average="macro")), 4)
                for share in shares
            }
            result["leave_one_file_out"][candidate.name] = {str(k): v for k, v in scores.items()}
            print(
                f"{candidate.name:<22}"
                + "".join(f"{scores[share]:>12.4f}" for share in shares)
                + f"   ({time.perf_counter() - started:.0f}s)",
                flush=True,
            )
        if args.skip_slices:
            return _write(result)

        print("\nfitted on all training complaints, evaluation slices (reported, not chosen by)")
        fitted = {c.name: category_pipeline(c).fit(clean, labels) for c in candidates}
        for name in SLICES:
            examples = [
                e
                for e in load_examples([REPO / "nlu_data/triage" / name])
                if e.is_complaint and e.category
            ]
            truth = [str(e.category) for e in examples]
            result["slices"][name] = {}
            for kind, model in fitted.items():
                by_share: dict[str, float] = {}
                for share in shares:
                    texts = [
                        normalize(typos.typed(e.text, share, i)) for i, e in enumerate(examples)
                    ]
                    predicted = list(model.predict(texts))
                    by_share[str(share)] = round(
                        float(f1_score(truth, predicted, average="macro")), 4
                    )
                result["slices"][name][kind] = by_share
                print(f"  {name:<20}{kind:<22}" + "".join(f"{v:>12.4f}" for v in by_share.values()))
    result["trained_model"] = _urgency_under_typos(args.model, typos, shares)
    return _write(result)


def _urgency_under_typos(
    model_path: Path, typos: Homophones, shares: list[float]
) -> dict[str, dict[str, dict[str, float]]]:
    """Urgency and complaint-or-not of the trained artefact on every slice, with typos."""
    from triage_reading import SLICES

    from triage_model.dataset import load_examples
    from triage_model.evaluation import refused_as_chat
    from triage_model.predictor import TriageModel

    model = TriageModel.load(model_path)
    print(
        f"\nthe trained model {model.version}: urgent recall / normal flagged urgent / complaints"
    )
    print(
        f"recognised, every message of each slice{'':<3}"
        + "".join(f"{f'{s:.0%}':>22}" for s in shares)
    )
    table: dict[str, dict[str, dict[str, float]]] = {}
    for name in SLICES:
        examples = load_examples([REPO / "nlu_data/triage" / name])
        table[name] = {}
        cells = []
        for share in shares:
            texts = [typos.typed(e.text, share, i) for i, e in enumerate(examples)]
            predicted = [refused_as_chat(p) for p in model.triage_batch(texts)]
            urgent = [p.is_urgent for e, p in zip(examples, predicted) if e.urgency == "urgent"]
            normal = [p.is_urgent for e, p in zip(examples, predicted) if e.urgency != "urgent"]
            found = [p.is_complaint for e, p in zip(examples, predicted) if e.is_complaint]
            row = {
                "urgent_recall": round(sum(urgent) / max(1, len(urgent)), 4),
                "normal_flagged_urgent": round(sum(normal) / max(1, len(normal)), 4),
                "complaints_recognised": round(sum(found) / max(1, len(found)), 4),
            }
            table[name][str(share)] = row
            cells.append(
                f"{row['urgent_recall']:.3f} / {row['normal_flagged_urgent']:.3f} / "
                f"{row['complaints_recognised']:.3f}"
            )
        print(f"  {name:<40}" + "".join(f"{cell:>24}" for cell in cells))
    return table


def _write_realistic(folder: Path, share: float) -> int:
    """The realistic slice, every message with ``share`` of its characters mistyped."""
    sys.path.insert(0, str(REPO))
    from triage_model.dataset import DEFAULT_TRAIN_DIR, load_examples

    typos = Homophones([e.text for e in load_examples([REPO / DEFAULT_TRAIN_DIR]) if e.category])
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for path in sorted((REPO / "nlu_data/triage/realistic").glob("*.jsonl")):
        lines = path.read_text(encoding="utf-8").splitlines()
        rows = [json.loads(line) for line in lines if line]
        for row in rows:
            row["text"] = typos.typed(row["text"], share, written)
            written += 1
        (folder / path.name).write_text(
            "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8"
        )
    print(f"{written} realistic messages with {share:.0%} typos written to {folder}")
    return 0


def _write(result: dict[str, Any]) -> int:
    RESULT_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULT_FILE.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
