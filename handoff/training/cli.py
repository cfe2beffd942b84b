"""``python -m handoff models list | promote VERSION | rollback | retrain | compare VERSION``.

Triage versions by default (``--kind rasa`` for the assistant's model files). Promoting a
triage version moves the live pointer in the database; every running gateway and action
server follows it within seconds. Promoting a Rasa version also loads it into the running
Rasa server (``$RASA_URL``, default http://127.0.0.1:5005) unless ``--no-load``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from handoff.db import make_session_factory, transaction
from handoff.training.jobs import JobError, job_dict, queue_job, run_job, start_process
from handoff.training.models import MODEL_KINDS, ModelVersion, TrainingJob
from handoff.training.rasa_models import RasaLoadError, load_model, rasa_token
from handoff.training.registry import (
    RegistryError,
    discard,
    find_version,
    promote,
    rasa_root,
    rollback,
    triage_root,
    version_rows,
)


def add_commands(topics: Any) -> None:
    models = topics.add_parser("models", help="model versions: list, promote, rollback, retrain")
    commands = models.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="every version, the live one marked")
    listing.add_argument("--kind", choices=MODEL_KINDS, default="triage")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    for name, text in (
        ("promote", "make a version live (running services follow)"),
        ("discard", "mark a candidate as not wanted"),
        ("compare", "a candidate's comparison with the model that was live"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("version")
        command.add_argument("--kind", choices=MODEL_KINDS, default="triage")
        command.add_argument("--by", default="cli")
        command.add_argument("--json", action="store_true")
        command.add_argument("--no-load", action="store_true", help="(rasa) do not PUT /model")
    back = commands.add_parser("rollback", help="back to the version live before this one")
    back.add_argument("--kind", choices=MODEL_KINDS, default="triage")
    back.add_argument("--by", default="cli")
    back.add_argument("--no-load", action="store_true")
    retrain = commands.add_parser("retrain", help="train a triage candidate in the background")
    retrain.add_argument("--by", default="cli")
    retrain.add_argument("--wait", action="store_true", help="run here and print progress")
    retrain.add_argument("--folds", type=int, default=None)
    job = commands.add_parser("run-job", help="(internal) do a queued training job")
    job.add_argument("job_id", type=int)
    job.add_argument("--folds", type=int, default=None)
    jobs = commands.add_parser("jobs", help="recent training jobs")
    jobs.add_argument("--json", action="store_true")


def _root(kind: str) -> Path:
    return triage_root() if kind == "triage" else rasa_root()


def _load_rasa(kind: str, version: str, args: argparse.Namespace) -> None:
    if kind != "rasa" or args.no_load:
        return
    path = find_version("rasa", version, rasa_root()).path
    url = os.environ.get("RASA_URL", "http://127.0.0.1:5005")
    puts = load_model(url, path, token=rasa_token())
    print(f"loaded {path.name} into the Rasa server at {url} ({puts} PUT /model)")


def run(engine: Engine, args: argparse.Namespace) -> int:
    factory = make_session_factory(engine)
    kind = getattr(args, "kind", "triage")
    try:
        if args.command == "list":
            with transaction(factory) as session:
                rows = version_rows(session, kind, _root(kind))
            for row in rows:
                if args.json:
                    print(json.dumps(row, ensure_ascii=False))
                else:
                    mark = "*" if row["live"] else " "
                    summary = " ".join(
                        f"{k}={v}" for k, v in row["summary"].items() if v is not None
                    )
                    print(f"{mark} {row['version']:<32} {row['status']:<12} {summary}")
            return 0
        if args.command == "promote":
            with transaction(factory) as session:
                record = promote(session, kind, args.version, by=args.by, root=_root(kind))
            print(f"{kind} {record.version} is live (was {record.previous_version or '-'})")
            _load_rasa(kind, record.version, args)
            return 0
        if args.command == "rollback":
            with transaction(factory) as session:
                record = rollback(session, kind, by=args.by, root=_root(kind))
            print(f"{kind} rolled back to {record.version} (was {record.previous_version})")
            _load_rasa(kind, record.version, args)
            return 0
        if args.command == "discard":
            with transaction(factory) as session:
                discard(session, kind, args.version, root=_root(kind))
            print(f"{kind} {args.version} discarded")
            return 0
        if args.command == "compare":
            with transaction(factory) as session:
                stored = (
                    session.query(ModelVersion).filter_by(kind=kind, version=args.version).first()
                )
                evaluation = stored.evaluation if stored else None
            if evaluation is None:
                print(f"error: no comparison stored for {args.version}", file=sys.stderr)
                return 1
            if args.json:
                print(json.dumps(evaluation, ensure_ascii=False))
            else:
                print(_comparison_text(evaluation))
            return 0
        if args.command == "jobs":
            with transaction(factory) as session:
                recent = session.query(TrainingJob).order_by(TrainingJob.id.desc()).limit(20)
                rows = [job_dict(j) for j in recent]
            for row in rows:
                print(json.dumps(row, ensure_ascii=False) if args.json else _job_line(row))
            return 0
        if args.command == "retrain":
            with transaction(factory) as session:
                job = queue_job(session, by=args.by)
                job_id = job.id
            if args.wait:
                started = time.perf_counter()
                version = run_job(factory, job_id, model_root=triage_root(), folds=_folds(args))
                print(f"job {job_id}: candidate {version} in {time.perf_counter() - started:.0f}s")
                print(f"compare: python -m handoff models compare {version}")
                return 0
            start_process(job_id)
            print(f"job {job_id} started: python -m handoff models jobs")
            return 0
        if args.command == "run-job":
            run_job(factory, args.job_id, model_root=triage_root(), folds=_folds(args))
            return 0
    except (RegistryError, JobError, RasaLoadError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    raise AssertionError(args.command)


def _folds(args: argparse.Namespace) -> int:
    from handoff.training.jobs import RETRAIN_FOLDS

    value = args.folds or int(os.environ.get("RETRAIN_FOLDS", RETRAIN_FOLDS))
    return max(2, value)


def _job_line(row: dict[str, Any]) -> str:
    return (
        f"#{row['id']} {row['status']:<9} {row['progress'] * 100:5.1f}%  {row['step']}"
        f"  {row['candidate_version'] or ''}"
    )


def _comparison_text(evaluation: dict[str, Any]) -> str:
    lines = [
        f"live {evaluation.get('live_version')} → candidate {evaluation.get('candidate_version')}"
    ]
    for name, result in evaluation["sets"].items():
        lines.append(f"\n{name} ({result['size']} messages)")
        before, after = result.get("before"), result.get("after")
        if after is None:
            lines.append("  (empty)")
            continue
        lines.append(f"  {'class':<12}{'F1 before':>10}{'F1 after':>10}{'support':>9}")
        for label, scores in after["per_class"].items():
            old = before["per_class"][label]["f1"] if before else float("nan")
            lines.append(f"  {label:<12}{old:>10.3f}{scores['f1']:>10.3f}{scores['support']:>9}")
        old_macro = before["macro_f1"] if before else float("nan")
        lines.append(f"  {'macro-F1':<12}{old_macro:>10.3f}{after['macro_f1']:>10.3f}")
        if before:
            lines.append(
                f"  urgent recall {before['urgent_recall']:.3f} → {after['urgent_recall']:.3f}, "
                f"precision {before['urgent_precision']:.3f} → {after['urgent_precision']:.3f}"
            )
        counts = result["changed_counts"]
        lines.append(
            f"  changed: {counts['fixed']} fixed, {counts['broken']} broken, "
            f"{counts['changed']} other"
        )
    return "\n".join(lines)
