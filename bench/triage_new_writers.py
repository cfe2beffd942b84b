"""Does a new writer's data help the model read *other* writers? Leave-one-file-out test.

``.venv/bin/python bench/triage_new_writers.py writer_t writer_u ...`` (about 3½ minutes on two
cores). The named training files are the *new* ones. Every other training file in turn is left
out and predicted by the product's category pipeline (the incumbent of
``triage_model.features.CATEGORY_CANDIDATES``, calibrated as ``train`` fits it) trained on the
remaining older files, once without the new files and once with them. The pooled macro-F1
over all older files is the figure: a new file that only repeats its own style leaves it flat,
one that teaches something general raises it.

Why this and not the evaluation slices: the held-out file and the realistic slice are 480 and
~380 complaints, where one message moves macro-F1 by about 0.002, and choosing data by them
spends them. Leaving out a whole file is the closest stand-in for a writer nobody trained on,
and it uses the training data only.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULT_FILE = REPO / "reports/bench/triage_new_writers.json"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("new", nargs="+", help="stems of the new training files (writer_t …)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")

    from triage_lofo import leave_one_file_out, training_complaints

    data = training_complaints()
    from triage_model.features import CATEGORY_CANDIDATES
    from triage_model.segment import remembered_words

    missing = sorted(set(args.new) - set(data.stems))
    if missing:
        print(f"no such training file: {', '.join(missing)}", file=sys.stderr)
        return 2
    new = set(args.new)
    older = sorted({stem for stem in data.stems if stem not in new})
    incumbent = CATEGORY_CANDIDATES[0]

    result: dict[str, object] = {"pipeline": incumbent.name, "new": sorted(new)}
    pooled: dict[str, float] = {}
    with remembered_words():
        for with_new in (False, True):
            started = time.perf_counter()
            left_out = set() if with_new else new
            macro, per_file = leave_one_file_out(incumbent, data, older, left_out)
            name = "with_new" if with_new else "without_new"
            pooled[name] = macro
            result[name] = {"macro_f1": macro, "accuracy_per_file": per_file}
            print(
                f"{name:<12} leave-one-file-out macro-F1 over {len(older)} older files: {macro:.4f}"
                f"  ({time.perf_counter() - started:.0f}s)",
                flush=True,
            )
    print(f"change: {pooled['with_new'] - pooled['without_new']:+.4f}")
    RESULT_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULT_FILE.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
