"""Benchmark the triage model: latency, throughput, size, memory, training time.

Run with ``make bench`` (or ``.venv/bin/python bench/triage_bench.py``). Numbers are for one
core: BLAS threads are pinned to 1 before numpy loads. Results are printed as a table and
written to ``reports/bench/triage.json`` so that ``bench/diet_bench.py`` can print both side
by side.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench_stats import percentile

REPO = Path(__file__).resolve().parents[1]
RESULT_FILE = REPO / "reports/bench/triage.json"


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _folder_mib(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.resolve().iterdir() if p.is_file()) / 2**20


def run(model_dir: Path, single_runs: int, batch_rounds: int) -> dict[str, Any]:
    from sklearn.metrics import f1_score

    from triage_model.dataset import DEFAULT_HELDOUT_DIR, DEFAULT_REALISTIC_DIR, load_examples
    from triage_model.evaluation import refused_as_chat
    from triage_model.predictor import TriageModel

    rss_before = _rss_mib()
    started = time.perf_counter()
    model = TriageModel.load(model_dir)
    load_seconds = time.perf_counter() - started
    rss_after = _rss_mib()

    examples = load_examples([REPO / DEFAULT_HELDOUT_DIR])
    texts = [example.text for example in examples]
    for text in texts[:50]:
        model.predict(text)  # warm caches

    latencies = []
    for index in range(single_runs):
        text = texts[index % len(texts)]
        begin = time.perf_counter()
        model.predict(text)
        latencies.append((time.perf_counter() - begin) * 1000)

    batch = texts * batch_rounds
    begin = time.perf_counter()
    for offset in range(0, len(batch), 512):
        model.predict_many(batch[offset : offset + 512])
    throughput = len(batch) / (time.perf_counter() - begin)

    def scores(examples: list[Any]) -> dict[str, float]:
        predictions = [refused_as_chat(r) for r in model.triage_batch([e.text for e in examples])]
        pairs = [(e, p) for e, p in zip(examples, predictions) if e.is_complaint]
        macro_f1 = f1_score(
            [e.category for e, _ in pairs], [p.category for _, p in pairs], average="macro"
        )
        urgent = [e.urgency == "urgent" for e in examples]
        flagged = [p.is_urgent for p in predictions]
        hits = sum(u and f for u, f in zip(urgent, flagged))
        false_alarms = sum(f and not u for u, f in zip(urgent, flagged))
        chat = [p.is_complaint for e, p in zip(examples, predictions) if not e.is_complaint]
        return {
            "macro_f1": round(float(macro_f1), 4),
            "urgent_recall": round(hits / max(1, sum(urgent)), 4),
            "urgent_precision": round(hits / max(1, sum(flagged)), 4),
            "normal_flagged_urgent": round(false_alarms / max(1, len(urgent) - sum(urgent)), 4),
            "complaints_recognised": round(
                sum(p.is_complaint for _, p in pairs) / max(1, len(pairs)), 4
            ),
            "chat_recognised": round(sum(not c for c in chat) / max(1, len(chat)), 4),
        }

    heldout = scores(examples)
    realistic_dir = REPO / DEFAULT_REALISTIC_DIR
    realistic = scores(load_examples([realistic_dir])) if realistic_dir.exists() else {}
    return {
        "model": f"triage_model {model.version}",
        **heldout,
        "realistic": realistic,
        "p50_ms": round(percentile(latencies, 0.50), 3),
        "p99_ms": round(percentile(latencies, 0.99), 3),
        "mean_ms": round(statistics.fmean(latencies), 3),
        "throughput_per_s": round(throughput),
        "artefact_mib": round(_folder_mib(model_dir), 2),
        "rss_after_load_mib": round(rss_after, 1),
        "rss_model_mib": round(rss_after - rss_before, 1),
        "load_seconds": round(load_seconds, 2),
        "training_seconds": model.metadata.get("training_seconds"),
        "heldout_examples": len(examples),
        "single_runs": single_runs,
        "batch_messages": len(batch),
    }


def print_table(result: dict[str, Any]) -> None:
    real = result["realistic"] or {}

    def both(key: str) -> str:
        return f"{result[key]:.3f}" + (f"  (realistic {real[key]:.3f})" if real else "")

    rows = [
        ("held-out messages", result["heldout_examples"]),
        ("category macro-F1, complaints", both("macro_f1")),
        ("urgent recall", both("urgent_recall")),
        ("urgent precision", both("urgent_precision")),
        ("normal flagged urgent", both("normal_flagged_urgent")),
        ("complaints recognised", both("complaints_recognised")),
        ("chat turns recognised", both("chat_recognised")),
        ("single message p50 / p99", f"{result['p50_ms']:.3f} ms / {result['p99_ms']:.3f} ms"),
        ("batch throughput (1 core)", f"{result['throughput_per_s']:,} messages/s"),
        ("artefact size", f"{result['artefact_mib']:.2f} MiB"),
        (
            "RSS after load",
            f"{result['rss_after_load_mib']:.0f} MiB (model +{result['rss_model_mib']:.0f} MiB)",
        ),
        ("training time", f"{result['training_seconds']} s"),
    ]
    print(f"\n{result['model']}")
    for name, value in rows:
        print(f"  {name:<28} {value}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=REPO / "models/triage/latest")
    parser.add_argument("--single-runs", type=int, default=3000)
    parser.add_argument("--batch-rounds", type=int, default=20)
    args = parser.parse_args()
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = "1"
    result = run(args.model, args.single_runs, args.batch_rounds)
    print_table(result)
    RESULT_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULT_FILE.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
