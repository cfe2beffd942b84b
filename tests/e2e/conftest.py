"""Real servers for the end-to-end tests: the Rasa server (.venv-rasa) and the action server.

Both start once per session on free ports (see ``tests/servers.py``, which also keeps the
helpers ``bench/rasa_bench.py`` imports from here).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers import (  # re-exported for bench/rasa_bench.py and the e2e tests
    Servers,
    http_json,
    missing_prerequisite,
    start_servers,
)

__all__ = ["Servers", "http_json", "missing_prerequisite", "servers", "start_servers"]


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    reason = missing_prerequisite()
    if reason:
        pytest.skip(reason)
    yield from start_servers(tmp_path_factory.mktemp("e2e"))


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker here so the suite runs even before pyproject lists it."""
    config.addinivalue_line(
        "markers", "e2e: starts the real Rasa and action servers (needs a model in models/rasa)"
    )
