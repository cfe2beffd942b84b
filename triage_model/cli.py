"""``python -m triage_model train | evaluate | predict | demo``."""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from triage_model.artefact import DEFAULT_ROOT, default_model_dir
from triage_model.chat_turns import DEFAULT_INTENTS_DIR
from triage_model.dataset import (
    DEFAULT_EVALUATION_DIRS,
    DEFAULT_TRAIN_DIR,
    DatasetError,
)
from triage_model.errors import ArtefactError, InvalidText
from triage_model.labels import CATEGORY_NAMES_ZH, TRIGGER_NAMES_ZH
from triage_model.prediction import TriagePrediction
from triage_model.streaming import DEFAULT_MAX_BATCH, Numbered, batches

DEMO_MESSAGES = (
    "我买的电饭煲用了两次就不加热了，订单号 2024112212345678",
    "快递显示已签收，可我根本没收到，打了三次电话都没人管",
    "退货寄回去十天了还没退款，客服也不回消息",
    "充电宝充电的时候冒烟了，孩子的手被烫伤了！",
    "我的帳號被盜了，有人用我的錢下了好幾單",
    "优惠券怎么用不了？",
    "不会去12315的，就是想换个尺码",
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m triage_model", description="Complaint triage: category and urgency."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train and write a versioned artefact")
    train.add_argument("--data", type=Path, default=DEFAULT_TRAIN_DIR, help="training folder")
    train.add_argument("--out", type=Path, default=DEFAULT_ROOT, help="artefact root folder")
    train.add_argument("--folds", type=int, default=5, help="cross-validation folds")
    train.add_argument(
        "--intents",
        type=Path,
        default=DEFAULT_INTENTS_DIR,
        help="Rasa intent files whose chat turns teach complaint-or-not ('none' to skip)",
    )
    train.add_argument(
        "--held-out",
        type=Path,
        action="append",
        default=None,
        help="folders never trained on: their texts are left out "
        f"(default {', '.join(map(str, DEFAULT_EVALUATION_DIRS))})",
    )

    evaluate = commands.add_parser("evaluate", help="score a model on the held-out file")
    evaluate.add_argument("--model", type=Path, default=None, help="artefact folder")
    evaluate.add_argument(
        "--data",
        type=Path,
        action="append",
        default=None,
        help="held-out folder or file, repeatable (default "
        f"{', '.join(map(str, DEFAULT_EVALUATION_DIRS))}, each reported on its own)",
    )
    evaluate.add_argument("--reports", type=Path, default=Path("reports/triage"))
    evaluate.add_argument("--quiet", action="store_true", help="omit the misclassified list")

    predict = commands.add_parser("predict", help="JSON lines in, JSON lines out")
    predict.add_argument("--model", type=Path, default=None, help="artefact folder")
    predict.add_argument("--text", help="triage one message and print it readably")
    predict.add_argument(
        "--batch-size",
        type=int,
        default=DEFAULT_MAX_BATCH,
        help="at most this many lines per batch (default %(default)s). Lines are batched only "
        "when they are already waiting (a file, a fast pipe); a line typed or sent alone is "
        "answered at once. 1 answers every line on its own.",
    )
    predict.add_argument(
        "--workers",
        type=int,
        default=None,
        help="processes scoring batches side by side (default: one per usable core, at most "
        "4); 1 scores in this process",
    )

    demo = commands.add_parser("demo", help="triage a few example messages")
    demo.add_argument("--model", type=Path, default=None, help="artefact folder")
    return parser


def _load(path: Path | None) -> Any:
    from triage_model.predictor import TriageModel

    return TriageModel.load(path if path is not None else default_model_dir())


def _error_line(error: InvalidText, fields: dict[str, Any], line_number: int) -> dict[str, Any]:
    passthrough = {k: v for k, v in fields.items() if k != "text"}
    return {**passthrough, "line": line_number, "error": error.as_dict()}


def _parse(line: str) -> tuple[dict[str, Any], object] | InvalidText:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return InvalidText("invalid_json", f"not a JSON line: {exc.msg}")
    if not isinstance(record, dict):
        return InvalidText("invalid_json", 'expected a JSON object such as {"text": "..."}')
    if "text" not in record:
        return InvalidText("missing_text", "the object has no 'text' field")
    return record, record["text"]


def _answer_batch(model: Any, batch: Numbered) -> list[str]:
    """The output lines of one batch, in input order (a bad line gets its error line)."""
    parsed = [(number, _parse(line)) for number, line in batch]
    texts = [item[1] for _, item in parsed if not isinstance(item, InvalidText)]
    results = iter(model.triage_batch(texts))
    lines = []
    for number, item in parsed:
        if isinstance(item, InvalidText):
            row = _error_line(item, {}, number)
        else:
            fields, _ = item
            result = next(results)
            if isinstance(result, InvalidText):
                row = _error_line(result, fields, number)
            else:
                row = {**fields, **result.as_dict()}
        lines.append(json.dumps(row, ensure_ascii=False) + "\n")
    return lines


#: The model a forked worker scores with: the parent's, inherited when the pool forks.
_worker_model: Any = None


def _answer_in_worker(batch: Numbered) -> list[str]:
    return _answer_batch(_worker_model, batch)


def default_workers() -> int:
    """One worker per core this process may use, at most 4 (jieba and the analyzers are
    pure Python, so a second core is the only way past one core's ~2,300 messages/s)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(4, cores))


def predict_stream(
    model: Any, stream: TextIO, out: TextIO, batch_size: int, workers: int = 1
) -> int:
    """The JSON-lines contract: one output line per non-blank input line, never a traceback.

    With ``workers`` > 1 the batches are scored by that many forked processes (they inherit
    the loaded model, so nothing is loaded twice), and answered in input order; a line that
    arrives alone is still a batch of its own and answered as soon as it is scored.
    """
    global _worker_model
    written = 0
    source = batches(stream, max(1, batch_size))
    if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
        _worker_model = model
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for lines in pool.imap(_answer_in_worker, source):
                out.writelines(lines)
                out.flush()
                written += len(lines)
        return written
    for batch in source:
        lines = _answer_batch(model, batch)
        out.writelines(lines)
        out.flush()
        written += len(lines)
    return written


def describe(prediction: TriagePrediction) -> str:
    """A readable, bilingual summary of one prediction."""
    lines = [
        f"category  {prediction.category} ({CATEGORY_NAMES_ZH[prediction.category]})  "
        f"confidence {prediction.category_confidence:.2f}",
        f"urgency   {prediction.urgency}  score {prediction.urgency_score:.2f}",
    ]
    for reason in prediction.reasons:
        lines.append(
            f"  reason  {reason.trigger} ({TRIGGER_NAMES_ZH[reason.trigger]}) "
            f"by {reason.source}: {reason.evidence}"
        )
    return "\n".join(lines)


def _evaluate(args: argparse.Namespace) -> int:
    from triage_model.dataset import load_examples
    from triage_model.evaluation import evaluate

    model = _load(args.model)
    sources = args.data or [path for path in DEFAULT_EVALUATION_DIRS if path.exists()]
    for number, source in enumerate(sources):
        evaluation = evaluate(model, load_examples([source]), args.reports, source.stem)
        text = evaluation.text
        if args.quiet:
            text = (
                text.split("\nmisclassified:")[0]
                + f"\nmisclassified: {evaluation.report['misclassified']}"
            )
        print(("\n" + "=" * 72 + "\n\n" if number else "") + text)
        print(f"\nreport, confusion.png and misclassified.jsonl in {evaluation.folder}")
    return 0


def _run(args: argparse.Namespace) -> int:
    if args.command == "train":
        from triage_model.training import train

        intents = None if str(args.intents) == "none" else args.intents
        held_out = tuple(args.held_out or DEFAULT_EVALUATION_DIRS)
        train(
            data_dir=args.data,
            out_root=args.out,
            folds=args.folds,
            intents_dir=intents,
            held_out=held_out,
        )
        return 0
    if args.command == "evaluate":
        return _evaluate(args)
    if args.command == "predict":
        model = _load(args.model)
        if args.text is not None:
            try:
                print(describe(model.predict(args.text)))
            except InvalidText as error:
                print(f"error: {error.message} / {error.message_zh}", file=sys.stderr)
                return 1
            return 0
        workers = default_workers() if args.workers is None else max(1, args.workers)
        predict_stream(model, sys.stdin, sys.stdout, args.batch_size, workers)
        return 0
    if args.command == "demo":
        model = _load(args.model)
        print(f"triage model {model.version}\n")
        for message in DEMO_MESSAGES:
            print(f"» {message}\n{describe(model.predict(message))}\n")
        print('Try your own: .venv/bin/python -m triage_model predict --text "快递三天没动了"')
        return 0
    raise AssertionError(args.command)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except (ArtefactError, DatasetError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
