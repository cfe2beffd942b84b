"""The audit log is append-only (the database refuses changes) and its commands; JSON log
lines carry the conversation id and stay masked; the probes' shared rules."""

from __future__ import annotations

import io
import json
import logging
import sqlite3
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import IntegrityError

from handoff import cli
from handoff.db import make_session_factory, prepare_database, transaction
from handoff.log_masking import install_log_masking
from handoff.ops import audit
from handoff.ops.audit_models import AuditEntry
from handoff.ops.json_logs import JsonFormatter, bind_conversation, release, use_log_format
from handoff.ops.probes import bearer_token_valid, readiness
from tests.ops.seed import ADDRESS, PHONE


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'shop.db'}"


def test_rows_are_written_and_never_changed(database: str) -> None:
    engine = prepare_database(database)
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        audit.record(session, actor="agent:alice", action="read_case", subject="case:C1")
    for statement in (
        update(AuditEntry).values(actor="agent:mallory"),
        delete(AuditEntry),
    ):
        with pytest.raises(IntegrityError, match="append-only"), transaction(factory) as session:
            session.execute(statement)
    with transaction(factory) as session, pytest.raises(IntegrityError, match="append-only"):
        (entry,) = audit.entries(session)
        entry.subject = "case:C2"  # the ORM's own UPDATE is refused the same way
        session.flush()
    engine.dispose()
    raw = sqlite3.connect(database.removeprefix("sqlite:///"))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        raw.execute("DELETE FROM audit_log")
    raw.close()
    with make_session_factory(prepare_database(database))() as session:
        (entry,) = audit.entries(session)
        assert (entry.actor, entry.subject) == ("agent:alice", "case:C1")
    assert not any(hasattr(audit, name) for name in ("update", "delete", "remove", "edit"))


def test_unknown_actions_are_refused(database: str) -> None:
    engine = prepare_database(database)
    with transaction(make_session_factory(engine)) as session, pytest.raises(ValueError):
        audit.record(session, actor="cli:x", action="rewrite_history", subject="x")
    with engine.begin() as connection, pytest.raises(IntegrityError):
        connection.execute(
            text(
                "INSERT INTO audit_log (at, actor, action, subject, detail) "
                "VALUES ('2026-01-01 00:00:00', 'x', 'rewrite_history', 'x', '{}')"
            )
        )
    engine.dispose()


def test_review_exports_are_audited_and_listed(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database)
    monkeypatch.chdir(tmp_path)

    def run(*argv: str) -> str:
        out = io.StringIO()
        with redirect_stdout(out):
            assert cli.main(list(argv)) == 0
        return out.getvalue()

    run("review", "export-csv", str(tmp_path / "inbox.csv"))
    run("review", "list", "--json")  # a read of the inbox's list is not an export
    rows = [json.loads(line) for line in run("audit", "list", "--json").splitlines()]
    assert [(r["action"], r["subject"]) for r in rows] == [("export_csv", "review_items")]
    assert rows[0]["detail"] == {"to": str(tmp_path / "inbox.csv")}
    assert "export_csv" in run("audit", "list")  # the table for people


def test_json_lines_name_the_conversation_and_stay_masked() -> None:
    install_log_masking()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tests.ops.json")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        token = bind_conversation("s-abc123")
        logger.info("shopper wrote %s from %s", f"电话{PHONE}", ADDRESS, extra={"request": PHONE})
        release(token)
        try:
            raise RuntimeError(f"boom {PHONE}")
        except RuntimeError:
            logger.exception("turn failed")
    finally:
        logger.removeHandler(handler)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["conversation_id"] == "s-abc123"
    assert (first["level"], first["logger"]) == ("INFO", "tests.ops.json")
    assert first["time"].endswith("+00:00")
    assert "conversation_id" not in second  # released: the next record names none
    blob = stream.getvalue()
    assert PHONE not in blob and ADDRESS not in blob
    assert "138****5678" in first["message"] and "[地址]" in first["message"]
    assert first["request"] == "138****5678"
    assert "RuntimeError" in second["exception"] and PHONE not in second["exception"]


def test_log_format_setting() -> None:
    handler = logging.StreamHandler(io.StringIO())
    logging.getLogger("tests.ops.format").addHandler(handler)
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    before = [(h, h.formatter) for lg in loggers for h in getattr(lg, "handlers", [])]
    try:
        assert use_log_format({"LOG_FORMAT": ""}) is False
        assert not isinstance(handler.formatter, JsonFormatter)  # today's format by default
        assert use_log_format({"LOG_FORMAT": "json"}) is True
        assert isinstance(handler.formatter, JsonFormatter)
    finally:
        logging.getLogger("tests.ops.format").removeHandler(handler)
        for other, formatter in before:  # pytest's own handlers get theirs back
            other.setFormatter(formatter)


def test_readiness_and_token_rules() -> None:
    assert readiness({"database": True, "assistant": True}, {"database"}) == (
        200,
        {"status": "ready", "checks": {"database": "ok", "assistant": "ok"}},
    )
    assert readiness({"database": True, "assistant": False}, {"database"})[1]["status"] == (
        "degraded"
    )
    assert readiness({"database": False, "assistant": True}, {"database"})[0] == 503
    assert bearer_token_valid("t0ken", "Bearer t0ken")
    assert bearer_token_valid("t0ken", "bearer  t0ken ")
    assert not bearer_token_valid("", "Bearer ")  # no configured token: nobody gets in
    assert not bearer_token_valid("t0ken", "Bearer t0ke")
    assert not bearer_token_valid("t0ken", "Bearer 令牌")  # non-ASCII does not raise
