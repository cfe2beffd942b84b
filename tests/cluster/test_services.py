"""The PostgreSQL and Redis fixtures themselves: they start, stop, crash and come back."""

from __future__ import annotations

from tests.cluster.services import PostgresServer, RedisServer, port_accepts


def test_postgres_survives_an_immediate_stop_and_keeps_committed_rows(
    postgres_server: PostgresServer,
) -> None:
    url = postgres_server.create_database()
    database = url.rsplit("/", 1)[1]
    postgres_server.psql("CREATE TABLE kept (n int); INSERT INTO kept VALUES (1), (2)", database)
    postgres_server.stop(mode="immediate")
    assert not port_accepts(postgres_server.port)
    postgres_server.start()
    assert postgres_server.psql("SELECT sum(n) FROM kept", database) == "3"


def test_postgres_kill_and_start_again(postgres_server: PostgresServer) -> None:
    postgres_server.kill()
    assert not postgres_server.is_running()
    postgres_server.start()
    assert postgres_server.psql("SELECT 1") == "1"


def test_redis_needs_its_password_and_comes_back_after_a_kill(redis_server: RedisServer) -> None:
    redis_server.command("SET", "probe", "1")
    assert redis_server.command("GET", "probe") == "1"
    redis_server.kill()
    assert not redis_server.ping()
    redis_server.start()
    assert redis_server.ping()
    assert redis_server.command("GET", "probe") == ""  # throwaway: nothing persisted


def test_redis_refuses_a_client_without_the_password(redis_server: RedisServer) -> None:
    import subprocess

    anonymous = subprocess.run(
        ["redis-cli", "-h", "127.0.0.1", "-p", str(redis_server.port), "GET", "probe"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "NOAUTH" in anonymous.stdout + anonymous.stderr
