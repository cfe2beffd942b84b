"""Rasa's DIETClassifier on the same category data, beside the triage model.

Runs in the Rasa environment (``.venv-rasa/bin/python bench/diet_bench.py``; ``make bench``
does it): the training messages become one NLU intent per category, DIET trains with Rasa's
default settings on jieba words and character n-grams, and the held-out file is parsed one
message at a time. Options trade DIET's training time for fidelity to Rasa's
defaults. The triage model's figures come from ``reports/bench/triage.json``, written
by ``bench/triage_bench.py`` just before.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_stats import percentile

REPO = Path(__file__).resolve().parents[1]
TRIAGE_RESULT = REPO / "reports/bench/triage.json"
RESULT_FILE = REPO / "reports/bench/diet.json"

CONFIG = """
language: zh
recipe: default.v1
assistant_id: diet-bench
pipeline:
  - name: JiebaTokenizer
    dictionary_path: {dictionary}
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 3
    max_features: {char_features}
  - name: DIETClassifier
    epochs: {epochs}
    entity_recognition: false
    random_seed: 1
policies: []
"""


def _read(folder: Path) -> list[dict[str, Any]]:
    rows = []
    for path in sorted(folder.glob("*.jsonl")):
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return rows


def _nlu_yaml(rows: list[dict[str, Any]]) -> str:
    """Rasa NLU YAML with one intent per category; brackets would read as entity markup."""
    by_category: dict[str, list[str]] = {}
    for row in rows:
        text = " ".join(row["text"].split()).replace("[", "【").replace("]", "】")
        by_category.setdefault(row["category"], []).append(text)
    lines = ['version: "3.1"', "nlu:"]
    for category, texts in sorted(by_category.items()):
        lines += [f"- intent: {category}", "  examples: |"]
        lines += [f"    - {json.dumps(text, ensure_ascii=False)[1:-1]}" for text in texts]
    return "\n".join(lines) + "\n"


def _quiet_rasa() -> None:
    """Rasa logs every parse at debug level to stdout; the table is what this script prints."""
    import logging

    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)


async def _evaluate(model_path: str, rows: list[dict[str, Any]]) -> tuple[list[str], list[float]]:
    from rasa.core.agent import Agent

    agent = Agent.load(model_path)
    for row in rows[:20]:
        await agent.parse_message(row["text"])  # warm up
    predicted, latencies = [], []
    for row in rows:
        begin = time.perf_counter()
        parsed = await agent.parse_message(row["text"])
        latencies.append((time.perf_counter() - begin) * 1000)
        predicted.append(parsed["intent"]["name"])
    return predicted, latencies


def run(epochs: int, char_features: int) -> dict[str, Any]:
    from rasa.model_training import train_nlu
    from sklearn.metrics import f1_score

    _quiet_rasa()
    train_rows = _read(REPO / "nlu_data/triage/train")
    heldout_rows = _read(REPO / "nlu_data/triage/heldout")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "nlu.yml").write_text(_nlu_yaml(train_rows), encoding="utf-8")
        (folder / "config.yml").write_text(
            CONFIG.format(
                dictionary=REPO / "triage_model/userdict",
                epochs=epochs,
                char_features=char_features,
            )
        )
        began = time.perf_counter()
        model_path = train_nlu(
            str(folder / "config.yml"), str(folder / "nlu.yml"), str(folder / "models")
        )
        training_seconds = time.perf_counter() - began
        if model_path is None:
            raise RuntimeError("Rasa did not produce a model")
        _quiet_rasa()  # training re-configures logging
        predicted, latencies = asyncio.run(_evaluate(model_path, heldout_rows))
    truth = [row["category"] for row in heldout_rows]
    return {
        "model": f"Rasa DIETClassifier ({epochs} epochs, {char_features} char n-grams)",
        "macro_f1": round(float(f1_score(truth, predicted, average="macro")), 4),
        "p50_ms": round(percentile(latencies, 0.50), 3),
        "p99_ms": round(percentile(latencies, 0.99), 3),
        "training_seconds": round(training_seconds, 1),
        "heldout_examples": len(heldout_rows),
    }


def print_side_by_side(diet: dict[str, Any]) -> None:
    rows = [diet]
    if TRIAGE_RESULT.exists():
        rows.insert(0, json.loads(TRIAGE_RESULT.read_text()))
    print(f"\nCategory on the held-out file ({diet['heldout_examples']} messages), one at a time:")
    print(f"  {'model':<52}{'macro-F1':>10}{'p50 ms':>10}{'p99 ms':>10}{'train s':>10}")
    for row in rows:
        print(
            f"  {row['model']:<52}{row['macro_f1']:>10.3f}{row['p50_ms']:>10.2f}"
            f"{row['p99_ms']:>10.2f}{row['training_seconds']:>10}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    # Rasa's default is 100 epochs over every n-gram; on 2 shared cores that is an hour of
    # training for this data, so the default here is lighter. Both are options.
    parser.add_argument("--epochs", type=int, default=40, help="DIET epochs (Rasa's: 100)")
    parser.add_argument(
        "--char-features", type=int, default=8000, help="most frequent char n-grams kept"
    )
    args = parser.parse_args()
    result = run(args.epochs, args.char_features)
    print_side_by_side(result)
    RESULT_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULT_FILE.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
