"""The Prometheus text of a process, also when Sanic runs it as several worker processes.

The Rasa server and the action server may run several workers (``SANIC_WORKERS``,
``ACTION_SERVER_SANIC_WORKERS``); a scrape reaches one of them. With
``PROMETHEUS_MULTIPROC_DIR`` set (``scripts/run-services`` sets one per server, emptied at
start), every worker writes its values to files there and any worker answers for all of them
(prometheus-client's multiprocess mode). Without it, the process's own registry answers.
"""

from __future__ import annotations

import os
from typing import Final

MULTIPROCESS_VARIABLE: Final = "PROMETHEUS_MULTIPROC_DIR"


def exposition() -> tuple[bytes, str]:
    """(body, content type) of ``/metrics`` for this server."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

    if os.environ.get(MULTIPROCESS_VARIABLE):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
