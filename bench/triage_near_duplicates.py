"""Training lines too close to an evaluation message: find them, or drop them from a file.

``.venv/bin/python bench/triage_near_duplicates.py FILE...`` lists every line of each FILE
whose character-bigram Jaccard similarity to some line of an evaluation folder
(``triage_model.dataset.DEFAULT_EVALUATION_DIRS``: every folder ``make evaluate`` reports)
is at least ``--threshold`` (0.28, the cut the second pass of issue 10 used: above it a
pair is the same incident in other words; below it two messages only share the domain's
words, 退款 / 快递 / 客服).
``--drop`` rewrites each FILE without those lines. Exact duplicates of a training line in
another file are dropped too (the loader refuses them). The comparison is on normalised text
(Simplified, half-width, placeholders), so a Traditional copy of a held-out message is
caught as well.

A new writer's file goes through this before it is trained on, so that none of its lines
makes a held-out figure look better than the model is (README "Training data").
``--against-training`` turns it round for a new *evaluation* file: its lines too close to a
training line are the ones listed (and dropped), so the new slice measures what the model
has not already seen in other words.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TRAIN = REPO / "nlu_data/triage/train"
THRESHOLD = 0.28


def bigrams(text: str) -> frozenset[str]:
    """Character bigrams of the normalised text's letters, digits and Chinese characters.

    Placeholders (ORDERNO, PHONENO, …) are left out: they stand for a number, not for what
    happened, and their letters made any message with an order number look like a copy of
    the held-out message that is only "订单号 4410295837162" (about 100 of 650 lines of one
    writer were dropped for that alone).
    """
    from triage_model.normalize import PLACEHOLDERS, normalize

    words = [word for word in normalize(text).split() if word not in PLACEHOLDERS]
    kept = [ch for ch in "".join(words) if ch.isalnum()]
    return frozenset(a + b for a, b in zip(kept, kept[1:]))


class NearestIndex:
    """Jaccard similarity of bigram sets against a fixed set of texts, via an inverted index."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.grams = [bigrams(text) for text in texts]
        self.postings: dict[str, list[int]] = defaultdict(list)
        for index, grams in enumerate(self.grams):
            for gram in grams:
                self.postings[gram].append(index)

    def nearest(self, text: str) -> tuple[float, str]:
        """The highest similarity to any indexed text, and that text."""
        grams = bigrams(text)
        if not grams:
            return 0.0, ""
        shared: dict[int, int] = defaultdict(int)
        for gram in grams:
            for index in self.postings.get(gram, ()):
                shared[index] += 1
        best, best_index = 0.0, -1
        for index, common in shared.items():
            similarity = common / (len(grams) + len(self.grams[index]) - common)
            if similarity > best:
                best, best_index = similarity, index
        return best, self.texts[best_index] if best_index >= 0 else ""


def evaluation_texts() -> list[str]:
    texts = []
    from triage_model.dataset import DEFAULT_EVALUATION_DIRS

    for folder in (REPO / path for path in DEFAULT_EVALUATION_DIRS):
        for path in sorted(folder.glob("*.jsonl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    texts.append(str(json.loads(line)["text"]))
    return texts


def training_texts() -> list[str]:
    return sorted(other_training_texts(set()))


def other_training_texts(exclude: set[Path]) -> set[str]:
    texts: set[str] = set()
    for path in sorted(TRAIN.glob("*.jsonl")):
        if path.resolve() in exclude:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.add(str(json.loads(line)["text"]))
    return texts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--threshold", type=float, default=THRESHOLD)
    parser.add_argument("--drop", action="store_true", help="rewrite the files without them")
    parser.add_argument(
        "--against-training",
        action="store_true",
        help="the files are a new evaluation slice: compare them with the training data",
    )
    args = parser.parse_args()
    if args.against_training:
        index = NearestIndex(training_texts())
        known = set(index.texts)
    else:
        index = NearestIndex(evaluation_texts())
        known = other_training_texts({path.resolve() for path in args.files})
    total_dropped = 0
    for path in args.files:
        kept: list[str] = []
        seen: set[str] = set()
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        for line in lines:
            text = str(json.loads(line)["text"])
            similarity, nearest = index.nearest(text)
            if text in known or text in seen:
                print(f"{path.name}: duplicate of a training line: {text[:60]}")
            elif similarity >= args.threshold:
                print(
                    f"{path.name}: {similarity:.2f} {text[:60]}\n{'':>{len(path.name) + 8}}~ "
                    f"{nearest[:60]}"
                )
            else:
                kept.append(line)
                seen.add(text)
        dropped = len(lines) - len(kept)
        total_dropped += dropped
        print(f"{path}: {len(lines)} lines, {dropped} too close or duplicated, {len(kept)} kept")
        if args.drop:
            path.write_text("".join(line + "\n" for line in kept), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
