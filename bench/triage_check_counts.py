"""Urgency counts of several trained models on one check set, and nothing else.

``.venv/bin/python bench/triage_check_counts.py --check FILE_OR_DIR … --models DIR …``

A pre-committed protocol decides between models on a check set nobody has read (the ninth
pass's AS+AT writers). Reading the misclassified messages would let them steer the next
change, so this prints only aggregate counts per model: normal messages flagged urgent, and
urgent messages caught.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    sys.path.insert(0, str(REPO))
    from triage_model.dataset import load_examples
    from triage_model.predictor import TriageModel

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", nargs="+", type=Path, required=True)
    parser.add_argument("--models", nargs="+", type=Path, required=True)
    args = parser.parse_args()
    examples = load_examples(args.check)
    texts = [example.text for example in examples]
    urgent = [example.urgency == "urgent" for example in examples]
    normals, urgents = urgent.count(False), urgent.count(True)
    print(f"check set: {len(examples)} messages, {urgents} urgent, {normals} normal")
    print(f"{'model':<48}{'normal→urgent':>18}{'urgent caught':>18}")
    for folder in args.models:
        model = TriageModel.load(folder)
        flagged = [p.is_urgent for p in model.predict_many(texts)]
        false_alarms = sum(f and not u for f, u in zip(flagged, urgent))
        caught = sum(f and u for f, u in zip(flagged, urgent))
        print(
            f"{folder!s:<48}{false_alarms:>6} ({false_alarms / normals:6.2%})"
            f"{caught:>8} ({caught / urgents:6.2%})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
