"""The schema: migrations from empty, idempotent start-up, concurrent start-up, PostgreSQL DDL."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, inspect, select

from handoff import migrate
from handoff.db import database_url, make_engine, make_session_factory, prepare_database
from handoff.demo_orders import DEMO_ORDERS
from handoff.models import Base, Order

TABLES = {
    "alembic_version",
    "orders",
    "cases",
    "case_events",
    "handoff_queue",
    "agents",
    "agent_sessions",
    "chat_messages",
    "chat_attachments",
    "agent_roles",
    "canned_replies",
    # 0007: the supervisor's side
    "case_deadlines",
    "alerts",
    "incidents",
    "incident_cases",
    "incident_events",
    "incident_notices",
    "followups",
    "demo_history_runs",
    # 0006: rate limits
    "rate_limit_counters",
    # 0008: the trainer workbench
    "review_items",
    "review_actions",
    "review_cursors",
    "model_versions",
    "model_live",
    "model_promotions",
    "training_jobs",
    # 0009: per-conversation message numbers
    "chat_sequences",
    # 0010: the audit log
    "audit_log",
}


def _order_count(url: str) -> int:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            return session.scalar(select(func.count()).select_from(Order)) or 0
    finally:
        engine.dispose()


def test_upgrade_from_empty_creates_the_schema_at_head(db_url: str) -> None:
    engine = prepare_database(db_url)
    try:
        assert set(inspect(engine).get_table_names()) == TABLES
        with engine.connect() as connection:
            assert migrate.current_revision(connection) == migrate.head_revision()
    finally:
        engine.dispose()


def test_prepare_database_twice_changes_nothing(db_url: str) -> None:
    prepare_database(db_url).dispose()
    first = _order_count(db_url)
    prepare_database(db_url).dispose()
    assert _order_count(db_url) == first


def test_models_and_migrations_describe_the_same_schema(db_url: str) -> None:
    engine = prepare_database(db_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_downgrade_to_base_and_up_again(db_url: str) -> None:
    engine = prepare_database(db_url)
    try:
        with migrate.locked_transaction(engine) as connection:
            command.downgrade(migrate.alembic_config(connection), "base")
        assert set(inspect(engine).get_table_names()) == {"alembic_version"}
        with migrate.locked_transaction(engine) as connection:
            migrate.upgrade(connection)
        assert set(inspect(engine).get_table_names()) == TABLES
    finally:
        engine.dispose()


def test_sqlite_connections_enforce_foreign_keys_and_use_wal(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    finally:
        engine.dispose()


def test_default_url_is_a_sqlite_file_under_var(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    assert database_url() == f"sqlite:///{tmp_path / 'var' / 'shop.db'}"
    assert (tmp_path / "var").is_dir()
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://shop@db/shop")
    assert database_url() == "postgresql+psycopg://shop@db/shop"


def test_concurrent_first_start_migrates_and_seeds_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'race.db'}"
    script = "import sys; from handoff.db import prepare_database; prepare_database(sys.argv[1])"
    processes = [
        subprocess.Popen([sys.executable, "-c", script, url], stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    errors = [p.communicate(timeout=120)[1] for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0, 0], errors
    assert _order_count(url) == len(DEMO_ORDERS)


def test_postgresql_ddl_renders_without_sqlite_only_sql() -> None:
    config = migrate.alembic_config()
    buffer = io.StringIO()
    config.output_buffer = buffer
    config.set_main_option("sqlalchemy.url", "postgresql://shop@localhost/shop")
    command.upgrade(config, "head", sql=True)
    sql = buffer.getvalue()
    assert "TIMESTAMP WITH TIME ZONE" in sql
    assert "CREATE UNIQUE INDEX uq_handoff_queue_active_conversation" in sql
    assert "WHERE status IN ('waiting', 'claimed')" in sql
    assert "CONSTRAINT ck_cases_rating CHECK (rating BETWEEN 1 AND 5)" in sql
    assert "PRAGMA" not in sql and "AUTOINCREMENT" not in sql
