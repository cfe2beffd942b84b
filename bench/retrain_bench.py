"""Time from pressing 重新训练 to the new triage model answering in a running gateway.

Starts a real gateway (``python -m handoff serve``) on a temporary database, with a copy of
this checkout's live triage model as the only version (so ``models/triage`` is not changed)
and this checkout's ``nlu_data``; logs in as a trainer and does what the 训练 page does: POST
retrain, poll the job until the candidate is ready, POST promote, poll until the gateway
reports that it screens with the candidate. Prints where the time went: the job process
starting, training, the comparison, the promotion reaching the gateway. Rasa is not needed
(screening does not call it). ``--runs N`` repeats the round on the same stack (the machine
is shared: report the best and say so).

    .venv/bin/python bench/retrain_bench.py [--runs 3] [--folds 3]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from trainer_stack import ROOT, Client, environment, trainer_gateway, wait_for_job


def _seconds(job: dict[str, Any], start: str, end: str) -> float:
    return (datetime.fromisoformat(job[end]) - datetime.fromisoformat(job[start])).total_seconds()


def one_round(client: Client) -> dict[str, float] | None:
    pressed = time.perf_counter()
    job_id = client.call("POST", "/agent/api/training/retrain", {})["job_id"]
    job = wait_for_job(client, job_id)
    trained = time.perf_counter()
    if job["status"] != "succeeded":
        print(f"training failed: {job['error']}", file=sys.stderr)
        return None
    candidate = job["candidate_version"]
    comparison = client.call("GET", f"/agent/api/training/models/triage/{candidate}/comparison")
    client.call("POST", f"/agent/api/training/models/triage/{candidate}/promote", {})
    promoted = time.perf_counter()
    while client.call("GET", "/agent/api/training/models")["serving"] != candidate:
        time.sleep(0.1)
    live = time.perf_counter()
    return {
        "process start (queued → running)": _seconds(job, "created_at", "started_at"),
        "training (in the job)": comparison["training_seconds"],
        "comparison (both models, held-out + recent)": comparison["comparison_seconds"],
        "pressed → candidate ready": trained - pressed,
        "promote → gateway screening it": live - promoted,
        "pressed → live": live - pressed,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--folds", type=int, default=None, help="RETRAIN_FOLDS (default 3)")
    args = parser.parse_args()
    live = (ROOT / "models" / "triage" / "latest").resolve()
    rounds = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        models = folder / "models"
        shutil.copytree(live, models / live.name)
        (models / "latest").symlink_to(live.name)
        env = environment(
            DATABASE_URL=f"sqlite:///{folder / 'shop.db'}",
            TRIAGE_MODEL_ROOT=str(models),
            NLU_DATA_DIR=str(ROOT / "nlu_data"),
            HANDOFF_HARVEST_SECONDS="0",
            **({"RETRAIN_FOLDS": str(args.folds)} if args.folds else {}),
        )
        with trainer_gateway(env, folder, folder / "gateway.log") as client:
            print(f"live before: {client.call('GET', '/agent/api/training/models')['serving']}")
            for number in range(args.runs):
                result = one_round(client)
                if result is None:
                    return 1
                rounds.append(result)
                parts = ", ".join(f"{k} {v:.1f} s" for k, v in result.items())
                print(f"run {number + 1}: {parts}")
    print(f"\n{'':<46}{'best':>8}{'worst':>8}   ({len(rounds)} runs)")
    for key in rounds[0]:
        values = [r[key] for r in rounds]
        print(f"{key:<46}{min(values):>7.1f}s{max(values):>7.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
