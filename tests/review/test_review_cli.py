"""``python -m handoff review …``: the JSON-lines contract and the commands around it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from handoff.cli import main
from handoff.db import make_session_factory, prepare_database, transaction
from tests.review.helpers import intent_item, triage_item

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    engine = prepare_database(url)
    try:
        with transaction(make_session_factory(engine)) as session:
            intent_item(session, "那个东西咋整")
            triage_item(session, "我电话13812345678，杯子好像漏水")
    finally:
        engine.dispose()
    return url


def lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]


def test_list_json_contract(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["review", "list", "--json"]) == 0
    records = {r["kind"]: r for r in lines(capsys)}
    for record in records.values():
        assert {"id", "kind", "text", "reason", "count"} <= set(record)
    assert records["intent"]["intent"] == "complain"
    assert isinstance(records["intent"]["intent_confidence"], float)
    triage = records["triage"]
    assert {"category", "category_confidence", "urgency", "urgency_score"} <= set(triage)
    assert "13812345678" not in str(triage["text"])


def test_label_ignore_undo_and_bulk(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    main(["review", "list", "--json"])
    ids = {r["kind"]: r["id"] for r in lines(capsys)}
    assert (
        main(["review", "label", str(ids["intent"]), "--intent", "check_progress", "--by", "tina"])
        == 0
    )
    assert (
        main(
            ["review", "label", str(ids["triage"]), "--category", "quality", "--urgency", "normal"]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["review", "list", "--json"]) == 0
    assert lines(capsys) == []  # nothing open any more
    assert main(["review", "list", "--json", "--status", "labelled"]) == 0
    labelled = {r["kind"]: r for r in lines(capsys)}
    assert labelled["intent"]["label"] == {"intent": "check_progress"}
    assert labelled["intent"]["labelled_by"] == "tina"
    assert main(["review", "undo", str(ids["intent"]), str(ids["triage"])]) == 0
    assert main(["review", "ignore", str(ids["intent"])]) == 0
    capsys.readouterr()
    assert main(["review", "history", str(ids["intent"]), "--json"]) == 0
    assert [a["action"] for a in lines(capsys)] == ["relabel", "undo", "ignore"]


def test_refusals_exit_2_with_a_message(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["review", "label", "999", "--intent", "complain"]) == 2
    assert "999" in capsys.readouterr().err
    assert main(["review", "label", "1", "--intent", "order_pizza"]) == 2
    assert main(["review", "label", "2", "--category", "quality"]) == 2


def test_export_prints_what_it_wrote(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "nlu_data"
    shutil.copytree(REPO / "nlu_data", root)
    (root / "intents" / "reviewed.yml").unlink(missing_ok=True)
    main(["review", "label", "1", "--intent", "complain"])
    capsys.readouterr()
    assert main(["review", "export", "--root", str(root)]) == 0
    out = capsys.readouterr().out
    assert f"wrote {root / 'intents' / 'reviewed.yml'}" in out
    assert main(["review", "export", "--root", str(root)]) == 0
    assert "unchanged" in capsys.readouterr().out


def test_csv_round_trip(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "inbox.csv"
    assert main(["review", "export-csv", str(path)]) == 0
    text = path.read_text(encoding="utf-8-sig")
    assert "13812345678" not in text
    rows = text.splitlines()
    header = rows[0].split(",")
    filled = []
    for row in rows[1:]:
        cells = row.split(",")
        record = dict(zip(header, cells))
        if record["kind"] == "intent":
            record["label_intent"] = "greet"
        else:
            record["ignore"] = "是"
        filled.append(",".join(record[h] for h in header))
    path.write_text("\n".join([rows[0], *filled]) + "\n", encoding="utf-8-sig")
    assert main(["review", "import-csv", str(path), "--by", "sheet"]) == 0
    assert "labelled 1, ignored 1" in capsys.readouterr().out
    assert main(["review", "import-csv", str(path)]) == 0  # again: nothing changes
    assert "labelled 0, ignored 0, unchanged 2" in capsys.readouterr().out


def test_the_module_runs_as_a_command(db: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "handoff", "review", "list", "--json"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    assert len(result.stdout.splitlines()) == 2
