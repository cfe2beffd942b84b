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
    for name in ("heldout", "realistic"):  # the realistic slice is reported on its own
        folder = tmp_path / model.version / name
        assert (folder / "confusion.png").read_bytes().startswith(b"\x89PNG")
        report = json.loads((folder / "report.json").read_text())
        assert set(report["category"]) == {"quality", "logistics", "after_sales", "other"}
        assert report["chat_turns"] > 0 and 0.0 <= report["chat_turns_recognised"] <= 1.0
        assert (folder / "misclassified.jsonl").exists()


def test_an_interactive_pipe_gets_each_answer_before_sending_the_next(
    model: TriageModel,
) -> None:
    """Default options batch what is waiting, but a lone line is answered at once."""
    process = subprocess.Popen(
        [sys.executable, "-m", "triage_model", "predict"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        for number, text in enumerate(["快递三天没动了", "你好", "退款还没到账"]):
            process.stdin.write(json.dumps({"text": text, "id": number}, ensure_ascii=False) + "\n")
            process.stdin.flush()
            row = json.loads(process.stdout.readline())  # would block forever if it waited
            assert row["id"] == number
            assert isinstance(row["is_complaint"], bool)
    finally:
        process.stdin.close()
        process.wait(timeout=60)
    assert process.returncode == 0


def test_a_file_on_stdin_is_answered_line_for_line(model: TriageModel, tmp_path: Path) -> None:
    texts = ["快递三天没动了", "", "你好", "not json", "退款还没到账"] * 300
    source = tmp_path / "in.jsonl"
    source.write_text(
        "\n".join(
            json.dumps({"text": t, "n": i}, ensure_ascii=False) if t and t != "not json" else t
            for i, t in enumerate(texts)
        ),
        encoding="utf-8",
    )
    with source.open("rb") as handle:
        result = subprocess.run(
            [sys.executable, "-m", "triage_model", "predict"],
            stdin=handle,
            capture_output=True,
            cwd=REPO,
            timeout=300,
            check=False,
        )
    assert result.returncode == 0
    rows = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert len(rows) == len(texts) - texts.count("")  # blank lines get no answer
    assert [row.get("n") for row in rows if "n" in row] == [
        i for i, t in enumerate(texts) if t and t != "not json"
    ]
    errors = [row for row in rows if "error" in row]
    assert all(row["error"]["code"] == "invalid_json" for row in errors)
    assert errors[0]["line"] == 4  # line numbers count the blank lines too


def test_two_workers_answer_exactly_as_one(model: TriageModel, tmp_path: Path) -> None:
    """Forked workers score batches side by side; the output is the same lines, in order."""
    texts = ["快递三天没动了", "not json", "充电宝冒烟了 孩子手烫伤了", "😡", "退款还没到账"] * 400
    source = tmp_path / "in.jsonl"
    source.write_text(
        "\n".join(
            json.dumps({"text": t, "n": i}, ensure_ascii=False) if t != "not json" else t
            for i, t in enumerate(texts)
        ),
        encoding="utf-8",
    )
    outputs = []
    for workers in ("1", "2"):
        with source.open("rb") as handle:
            result = subprocess.run(
                [sys.executable, "-m", "triage_model", "predict", "--workers", workers],
                stdin=handle,
                capture_output=True,
                cwd=REPO,
                timeout=300,
                check=False,
            )
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout.decode().splitlines())
    assert len(outputs[0]) == len(texts)
    assert outputs[0] == outputs[1]
