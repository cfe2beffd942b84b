"""Does triage read chats exported from a platform with its anonymisation marks?

``.venv/bin/python bench/triage_anonymised.py`` (under a minute; needs ``make train``).

Shops that load old conversations (to label them, or to judge the model) get them from the
platform's export, where personal and numeric details are replaced by marks: ``[ORDERID_…]``
for order numbers, ``[数字x]``, ``[金额x]``, ``[日期x]``, ``[时间x]``, ``[电话x]``, ``[链接x]``,
``[姓名x]``, ``[地址x]``, and ``#E-s[数字x]`` for an emoji. Every evaluation slice is rewritten in
that form (deterministically, below) and scored with the trained model beside the original
text: category macro-F1 on complaints, complaints and chat turns recognised, urgent recall
and normal messages flagged urgent. A model that reads the marks as well as the numbers they
hide scores the same on both.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RESULT_FILE = REPO / "reports/bench/triage_anonymised.json"

_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f]+")
_URL = re.compile(r"(?:https?://|www\.)[^\s，。！？]+", re.IGNORECASE)
_PHONE = re.compile(r"(?<!\d)(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d){8}(?!\d)")
_ORDER = re.compile(r"(?<!\d)\d(?:[ -]?\d){9,19}(?!\d)")
_DATE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}月\d{1,2}[日号]")
_TIME = re.compile(r"(?<!\d)\d{1,2}:\d{2}(?::\d{2})?(?!\d)")
_AMOUNT = re.compile(r"[¥￥]\s*\d+(?:\.\d+)?|\d+(?:\.\d+)?(?=\s*(?:元|块|rmb))", re.IGNORECASE)
_DIGITS = re.compile(r"\d+(?:\.\d+)?")


def _order_mark(match: re.Match[str]) -> str:
    digest = hashlib.sha1(match.group(0).encode()).hexdigest()
    return f"[ORDERID_{int(digest[:8], 16) % 10**8:08d}]"


def anonymise(text: str) -> str:
    """The text as a platform export would show it (a stand-in for the real export)."""
    text = _EMOJI.sub("#E-s[数字x]", text)
    text = _URL.sub("[链接x]", text)
    text = _PHONE.sub("[电话x]", text)
    text = _ORDER.sub(_order_mark, text)
    text = _DATE.sub("[日期x]", text)
    text = _TIME.sub("[时间x]", text)
    text = _AMOUNT.sub("[金额x]", text)
    # Digits inside the marks made above are left alone.
    return re.sub(r"\[ORDERID_\d+\]|" + _DIGITS.pattern, _digits_mark, text)


def _digits_mark(match: re.Match[str]) -> str:
    token = match.group(0)
    return token if token.startswith("[ORDERID_") else "[数字x]"


def _scores(model: Any, examples: list[Any], texts: list[str]) -> dict[str, float]:
    from sklearn.metrics import f1_score

    from triage_model.evaluation import refused_as_chat

    predictions = [refused_as_chat(p) for p in model.triage_batch(texts)]
    pairs = [(e, p) for e, p in zip(examples, predictions) if e.is_complaint and e.category]
    urgent = [(e.urgency == "urgent", p.is_urgent) for e, p in zip(examples, predictions)]
    complaints = [p.is_complaint for e, p in zip(examples, predictions) if e.is_complaint]
    chats = [not p.is_complaint for e, p in zip(examples, predictions) if not e.is_complaint]
    truly_urgent = [flag for true, flag in urgent if true]
    normal = [flag for true, flag in urgent if not true]
    return {
        "category_macro_f1": round(
            float(
                f1_score(
                    [str(e.category) for e, _ in pairs],
                    [p.category for _, p in pairs],
                    average="macro",
                )
            ),
            4,
        ),
        "complaints_recognised": round(sum(complaints) / max(1, len(complaints)), 4),
        "chat_turns_recognised": round(sum(chats) / len(chats), 4) if chats else float("nan"),
        "urgent_recall": round(sum(truly_urgent) / max(1, len(truly_urgent)), 4),
        "normal_flagged_urgent": round(sum(normal) / max(1, len(normal)), 4),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=REPO / "models/triage/latest")
    parser.add_argument("--show", type=int, default=0, help="print this many rewritten texts")
    args = parser.parse_args()

    sys.path.insert(0, str(REPO))
    sys.path.insert(0, str(REPO / "bench"))
    from triage_reading import SLICES

    from triage_model.dataset import load_examples
    from triage_model.predictor import TriageModel

    model = TriageModel.load(args.model)
    result: dict[str, Any] = {"model_version": model.version, "slices": {}}
    header = (
        f"{'slice':<20}{'text':<12}{'macro-F1':>9}{'complaints':>12}{'chat':>7}"
        f"{'urgent R':>10}{'normal→urgent':>15}"
    )
    print(f"model {model.version}\n{header}")
    for name in SLICES:
        examples = load_examples([REPO / "nlu_data/triage" / name])
        rewritten = [anonymise(e.text) for e in examples]
        changed = sum(a != e.text for a, e in zip(rewritten, examples))
        rows = {
            "original": _scores(model, examples, [e.text for e in examples]),
            "exported": _scores(model, examples, rewritten),
        }
        result["slices"][name] = {"changed_texts": changed, **rows}
        for form, scores in rows.items():
            print(
                f"{name if form == 'original' else f'  ({changed} changed)':<20}{form:<12}"
                f"{scores['category_macro_f1']:>9.4f}{scores['complaints_recognised']:>12.3f}"
                f"{scores['chat_turns_recognised']:>7.3f}{scores['urgent_recall']:>10.3f}"
                f"{scores['normal_flagged_urgent']:>15.3f}"
            )
        for original, text in [(e.text, a) for e, a in zip(examples, rewritten) if a != e.text][
            : args.show
        ]:
            print(f"    {original!r}\n  → {text!r}")
    RESULT_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULT_FILE.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
