"""Retraining as a background job: a row in ``training_jobs`` and a process that does the work.

The page (or ``models retrain``) queues a job and starts ``python -m handoff models run-job
ID`` in its own process session, so training's CPU never slows the gateway's event loop and a
gateway restart does not kill it. The job trains a candidate from ``nlu_data/triage/train``
(the reviewed complaints included, once exported) into a staging folder, moves it beside the
other versions (``latest`` is *not* moved: only a promotion changes what answers), evaluates
it beside the live model on the held-out files and the recent-traffic slice, and stores the
comparison with the version. Progress and the current step are written to the job's row as
it goes; any instance's page reads them from there.

A retraining learns from the same data ``make train`` does (the labelled files, the intent
files' chat turns, held-out texts left out), so a candidate differs from the live model only
by what the trainers added. It refits the live model's category pipeline instead of choosing
one again: choosing is a design decision ``make train`` makes over several pipelines, and
cross-validating the two losing ones was a third of the job's time (``bench/retrain_bench.py``
profiles it). The Rasa model is not trained here (``make train`` builds it from
``nlu_data/intents``); nothing in the triage path waits for it.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from handoff.clock import utc_now
from handoff.db import transaction
from handoff.review.export import HELD_OUT_FOLDERS, nlu_root, recent_slice
from handoff.training.comparison import compare
from handoff.training.models import TrainingJob
from handoff.training.registry import find_version, live_version, register

if TYPE_CHECKING:
    from triage_model.features import Candidate

log = logging.getLogger(__name__)

#: Cross-validation folds of a retraining job. ``make train`` uses 5; 3 picks the same
#: pipeline on this data and keeps "retrain → live" under two minutes on two cores.
RETRAIN_FOLDS: Final = 3
_STEP = re.compile(r"^\[(\d)/(\d)\]\s*(.*)")
#: Share of the progress bar that training takes; evaluation is the rest.
TRAINING_SHARE: Final = 0.85


class JobError(ValueError):
    """A refused job request (Chinese message)."""


def active_job(session: Session) -> TrainingJob | None:
    return session.scalars(
        select(TrainingJob)
        .where(TrainingJob.status.in_(("queued", "running")))
        .order_by(TrainingJob.id.desc())
        .limit(1)
    ).one_or_none()


def queue_job(session: Session, *, by: str) -> TrainingJob:
    """A new queued job; refused while another one is queued or running."""
    running = active_job(session)
    if running is not None:
        raise JobError(f"已有训练任务（#{running.id}）在进行中，请等它完成。")
    job = TrainingJob(
        status="queued", progress=0.0, step="排队中", requested_by=by, created_at=utc_now()
    )
    session.add(job)
    session.flush()
    return job


def start_process(
    job_id: int, *, database_url: str | None = None, log_dir: Path = Path("var/log")
) -> subprocess.Popen[bytes]:
    """Run the job in a child process of its own session (outlives a gateway restart)."""
    env = os.environ.copy()
    if database_url:
        env["DATABASE_URL"] = database_url
    log_dir.mkdir(parents=True, exist_ok=True)
    with (log_dir / f"training-{job_id}.log").open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "handoff", "models", "run-job", str(job_id)],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env=env,
        )


def job_dict(job: TrainingJob) -> dict[str, Any]:
    from handoff.serialize import iso

    return {
        "id": job.id,
        "status": job.status,
        "progress": round(job.progress, 3),
        "step": job.step,
        "requested_by": job.requested_by,
        "created_at": iso(job.created_at),
        "started_at": iso(job.started_at),
        "finished_at": iso(job.finished_at),
        "candidate_version": job.candidate_version,
        "error": job.error,
        "seconds": round((job.finished_at - job.started_at).total_seconds(), 1)
        if job.finished_at and job.started_at
        else None,
    }


def _update(factory: sessionmaker[Session], job_id: int, **values: Any) -> None:
    with transaction(factory) as session:
        job = session.get(TrainingJob, job_id)
        if job is None:
            raise JobError(f"没有训练任务 #{job_id}")
        for key, value in values.items():
            setattr(job, key, value)


def _progress_reporter(factory: sessionmaker[Session], job_id: int) -> Callable[[str], None]:
    def report(line: str) -> None:
        print(line, flush=True)
        match = _STEP.match(line.strip())
        if match:
            step, total, words = int(match.group(1)), int(match.group(2)), match.group(3)
            share = TRAINING_SHARE * (step - 1) / total
            _update(factory, job_id, progress=round(share, 3), step=f"训练 {step}/{total}：{words}")

    return report


def _heldout_examples(root: Path) -> list[dict[str, Any]]:
    from triage_model.dataset import load_examples

    folders = [root / folder.removeprefix("triage/") for folder in HELD_OUT_FOLDERS]
    examples = []
    for folder in folders:
        if folder.is_dir() and any(folder.glob("*.jsonl")):
            for e in load_examples([folder]):
                examples.append({"text": e.text, "category": e.category, "urgency": e.urgency})
    return examples


def live_pipeline(live_folder: Path | None) -> tuple[Candidate, ...]:
    """The category pipeline the live model was trained with, alone; every known pipeline
    when there is no live model or its pipeline is no longer known."""
    from triage_model.artefact import read_metadata
    from triage_model.errors import ArtefactError
    from triage_model.features import CATEGORY_CANDIDATES, EXTRA_CANDIDATES

    if live_folder is None:
        return CATEGORY_CANDIDATES
    try:
        chosen = (read_metadata(live_folder).get("category") or {}).get("chosen")
    except ArtefactError:
        return CATEGORY_CANDIDATES
    for candidate in (*CATEGORY_CANDIDATES, *EXTRA_CANDIDATES):
        if candidate.name == chosen:
            return (candidate,)
    return CATEGORY_CANDIDATES


def run_job(
    factory: sessionmaker[Session],
    job_id: int,
    *,
    model_root: Path,
    data_dir: Path | None = None,
    triage_data_root: Path | None = None,
    folds: int = RETRAIN_FOLDS,
) -> str:
    """Do the job's work in this process; returns the candidate version.

    The data is ``nlu_data/triage`` (or ``$NLU_DATA_DIR/triage``): ``train/`` to learn from,
    ``heldout/`` and ``realistic/`` to compare on (and left out of training), and the chat
    turns of ``intents/`` beside it, as ``make train`` reads them.
    """
    triage_data_root = triage_data_root or nlu_root() / "triage"
    data_dir = data_dir or triage_data_root / "train"
    intents_dir = triage_data_root.parent / "intents"
    held_out = tuple(triage_data_root / f.removeprefix("triage/") for f in HELD_OUT_FOLDERS)
    from triage_model.predictor import TriageModel
    from triage_model.training import train

    started = time.perf_counter()
    with transaction(factory) as session:
        job = session.get(TrainingJob, job_id)
        if job is None or job.status != "queued":
            raise JobError(f"训练任务 #{job_id} 不在排队状态。")
        job.status, job.started_at, job.step = "running", utc_now(), "开始训练"
        current = live_version(session, "triage", model_root)
    try:
        live_folder = model_root / current if current else None
        staging = model_root / f".job-{job_id}"
        shutil.rmtree(staging, ignore_errors=True)
        result = train(
            data_dir,
            staging,
            folds,
            progress=_progress_reporter(factory, job_id),
            intents_dir=intents_dir if intents_dir.is_dir() else None,
            candidates=live_pipeline(live_folder),
            held_out=held_out,
        )
        trained = time.perf_counter()
        version = result.folder.name
        target = model_root / version
        if target.exists():
            shutil.rmtree(target)
        result.folder.rename(target)
        shutil.rmtree(staging, ignore_errors=True)
        _update(factory, job_id, progress=TRAINING_SHARE, step="在留出集和近期对话上比较新旧模型")
        with transaction(factory) as session:
            recent = recent_slice(session)
        candidate = TriageModel.load(target)
        live = TriageModel.load(live_folder) if live_folder else None
        evaluation = compare(
            live,
            candidate,
            {"heldout": _heldout_examples(triage_data_root), "recent": recent},
            live_version=current,
        )
        evaluation["training_seconds"] = round(trained - started, 1)
        evaluation["comparison_seconds"] = round(time.perf_counter() - trained, 1)
        with transaction(factory) as session:
            register(
                session,
                find_version("triage", version, model_root),
                evaluation=evaluation,
                job_id=job_id,
            )
        _update(
            factory,
            job_id,
            status="succeeded",
            progress=1.0,
            step="完成：可以比较并上线",
            candidate_version=version,
            finished_at=utc_now(),
        )
        return version
    except Exception as error:
        log.exception("training job %s failed", job_id)
        _update(
            factory,
            job_id,
            status="failed",
            step="失败",
            error=str(error)[:2000],
            finished_at=utc_now(),
        )
        raise
