"""Train the product's triage model twice: urgency threshold from folds of lines or of files.

``.venv/bin/python bench/triage_fold_variants.py OUT_DIR`` (about 3.5 minutes on two cores)
writes ``OUT_DIR/lines/<version>`` and ``OUT_DIR/files/<version>``; compare them with
``bench/triage_check_counts.py --check nlu_data/triage/urgency_check --models …``.

The threshold is the highest score reaching 97 % out-of-fold urgent recall on the training
data. Folds of lines leave a writer's other messages in the training part; folds of whole
files score each message as a shopper nobody has read would be scored. This is how the ninth
pass of issue 10 compared the two (README "Measured figures"): the product keeps lines.
"""

from __future__ import annotations

import argparse
import sys
from multiprocessing import Process
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _train(out_root: Path, by_file: bool) -> None:
    sys.path.insert(0, str(REPO))
    from triage_model.chat_turns import DEFAULT_INTENTS_DIR
    from triage_model.dataset import DEFAULT_EVALUATION_DIRS, DEFAULT_TRAIN_DIR
    from triage_model.training import train

    train(
        data_dir=REPO / DEFAULT_TRAIN_DIR,
        out_root=out_root,
        intents_dir=REPO / DEFAULT_INTENTS_DIR,
        held_out=tuple(REPO / folder for folder in DEFAULT_EVALUATION_DIRS),
        urgency_folds_by_file=by_file,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    runs = [
        Process(target=_train, args=(args.out / name, by_file))
        for name, by_file in (("lines", False), ("files", True))
    ]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    return max(abs(run.exitcode or 0) for run in runs)


if __name__ == "__main__":
    raise SystemExit(main())
