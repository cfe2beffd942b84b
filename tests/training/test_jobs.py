"""A retraining job: progress in the database, a candidate beside the live model, compared."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from handoff.db import transaction
from handoff.review.capture import record_item
from handoff.review.export import held_back
from handoff.review.folding import fold_key
from handoff.review.inbox import label_item
from handoff.training.jobs import JobError, queue_job, run_job
from handoff.training.models import ModelVersion, TrainingJob
from handoff.training.registry import latest_triage_version, live_version, promote
from tests.training.conftest import SWAP, TinyModels
from triage_model.dataset import DatasetError


def _held_back_training_texts(data: Path, n: int) -> list[tuple[str, str]]:
    """Quality and logistics complaints of model a's data (b learnt them swapped) that the
    export's hash holds back: the recent-traffic slice, with their labels as written."""
    out = []
    for line in (data / "data.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row.get("category") in SWAP and held_back(fold_key(row["text"])):
            out.append((row["text"], row["category"]))
        if len(out) == n:
            return out
    raise AssertionError("not enough held-back texts in the small data")


def test_job_trains_a_candidate_and_stores_the_comparison(
    tiny: TinyModels, factory: sessionmaker[Session]
) -> None:
    recent_texts = _held_back_training_texts(tiny.data_a, 6)
    with transaction(factory) as session:
        promote(session, "triage", tiny.b, by="t", root=tiny.root)  # the swapped one is live
        for text, category in recent_texts:  # what the live (swapped) model got wrong
            item = record_item(
                session,
                kind="triage",
                text=text,
                reasons=["low_category_confidence"],
                predicted={"category": SWAP[category], "urgency": "normal"},
                uncertainty=0.5,
            )
            assert item is not None
            label_item(session, item, {"category": category, "urgency": "normal"}, actor="t")
        job = queue_job(session, by="tina")
        job_id = job.id
        with pytest.raises(JobError):
            queue_job(session, by="tina")  # one job at a time
    version = run_job(
        factory,
        job_id,
        model_root=tiny.root,
        data_dir=tiny.data_a,
        triage_data_root=tiny.heldout.parent,
        folds=2,
    )
    with transaction(factory) as session:
        job = session.get(TrainingJob, job_id)
        assert job is not None
        assert job.status == "succeeded" and job.progress == 1.0
        assert job.candidate_version == version
        # only a promotion changes what answers
        assert live_version(session, "triage", tiny.root) == tiny.b
        assert latest_triage_version(tiny.root) == tiny.b
        row = session.query(ModelVersion).filter_by(kind="triage", version=version).one()
        assert row.status == "candidate" and row.job_id == job_id
        evaluation = row.evaluation
    assert evaluation is not None
    assert evaluation["live_version"] == tiny.b
    heldout, recent = evaluation["sets"]["heldout"], evaluation["sets"]["recent"]
    assert heldout["size"] == 6 * 15 and recent["size"] == len(recent_texts)
    low, high = heldout["macro_f1_change_interval"]  # paired: candidate minus live, same rows
    change = heldout["after"]["macro_f1"] - heldout["before"]["macro_f1"]
    assert low - 1e-4 <= change <= high + 1e-4
    assert {c["text"] for c in recent["changed"]} <= {t for t, _ in recent_texts}
    for result in (heldout, recent):
        assert set(result["before"]["per_class"]) == {
            "quality",
            "logistics",
            "after_sales",
            "other",
        }
        assert len(result["before"]["confusion"]) == 4 and len(result["after"]["confusion"]) == 4
    # The candidate learnt these labels as written, the live model learnt them swapped: on the
    # slice the candidate is right where the live model is wrong, and every change is a fix.
    assert recent["before"]["accuracy"] <= 0.34, recent["before"]
    assert recent["after"]["accuracy"] >= 0.66, recent["after"]
    assert recent["changed_counts"]["fixed"] >= 3 and recent["changed_counts"]["broken"] == 0
    for name in SWAP:  # per class, before/after: the swapped classes recover
        assert recent["after"]["per_class"][name]["f1"] > recent["before"]["per_class"][name]["f1"]
    assert all(c["kind"] in {"fixed", "broken", "changed"} for c in heldout["changed"])
    assert heldout["after"]["macro_f1"] > heldout["before"]["macro_f1"] + 0.1
    assert heldout["changed_counts"]["fixed"] > heldout["changed_counts"]["broken"]
    # a retraining refits the live model's pipeline instead of choosing one again
    chosen = json.loads((tiny.root / tiny.b / "metadata.json").read_text())["category"]["chosen"]
    meta = json.loads((tiny.root / version / "metadata.json").read_text())
    assert list(meta["category"]["cross_validation"]) == [chosen]
    assert evaluation["training_seconds"] > 0 and evaluation["comparison_seconds"] >= 0


def test_a_failing_job_is_marked_failed(
    tiny: TinyModels, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with transaction(factory) as session:
        job_id = queue_job(session, by="t").id
    with pytest.raises((DatasetError, FileNotFoundError)):
        run_job(factory, job_id, model_root=tiny.root, data_dir=tmp_path / "missing", folds=2)
    with transaction(factory) as session:
        job = session.get(TrainingJob, job_id)
        assert job is not None and job.status == "failed" and job.error
