"""The command-line contract: JSON lines in, JSON lines out, errors per line, no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from triage_model.predictor import TriageModel

REPO = Path(__file__).resolve().parents[2]


def run(args: list[str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "triage_model", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
        check=False,
    )


def test_predict_stream_contract(model: TriageModel) -> None:
    lines = [
        json.dumps({"text": "快递三天没动了", "id": 1}, ensure_ascii=False),
        "this is not json",
        json.dumps({"id": 3, "message": "no text field"}),
        json.dumps({"text": "", "id": 4}),
        json.dumps({"text": "😡😡", "id": 5}),
        json.dumps({"text": "好" * 100_000, "id": 6}),
        json.dumps({"text": "退款\x00還沒到賬", "id": 7}, ensure_ascii=False),
        json.dumps(["a list"]),
    ]
    result = run(["predict", "--batch-size", "3"], "\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == len(lines)
    first = rows[0]
    assert first["id"] == 1 and first["text"] == "快递三天没动了"  # extra fields pass through
    assert first["category"] == "logistics"
    assert set(first) >= {"category", "category_confidence", "urgency", "urgency_score"}
    assert first["urgency"] in {"urgent", "normal"}
    assert [rows[i]["error"]["code"] for i in (1, 2, 3, 4, 5, 7)] == [
        "invalid_json",
        "missing_text",
        "empty_text",
        "no_words",
        "text_too_long",
        "invalid_json",
    ]
    assert rows[3]["id"] == 4  # errors keep the caller's id so they can be matched
    assert rows[6]["category"] == "after_sales"


def test_predict_text_is_readable(model: TriageModel) -> None:
    result = run(["predict", "--text", "充电宝冒烟了，手被烫伤了"])
    assert result.returncode == 0, result.stderr
    assert "urgent" in result.stdout and "safety_health" in result.stdout


def test_predict_text_error_is_polite(model: TriageModel) -> None:
    result = run(["predict", "--text", "   "])
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "请描述" in result.stderr


def test_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    result = run(["predict", "--model", str(tmp_path / "none"), "--text", "快递"])
    assert result.returncode == 2
    assert "make train" in result.stderr and "Traceback" not in result.stderr


def test_evaluate_writes_reports(model: TriageModel, tmp_path: Path) -> None:
    result = run(["evaluate", "--reports", str(tmp_path), "--quiet"])
    assert result.returncode == 0, result.stderr
    assert "macro-F1" in result.stdout and "urgent recall" in result.stdout
    folder = tmp_path / model.version
    assert (folder / "confusion.png").read_bytes().startswith(b"\x89PNG")
    report = json.loads((folder / "report.json").read_text())
    assert set(report["category"]) == {"quality", "logistics", "after_sales", "other"}
    assert (folder / "misclassified.jsonl").exists()
