"""``GET /metrics`` of our two Sanic servers: the Rasa server and the action server.

Both run Sanic 21.12 (the Rasa environment's and rasa_sdk's, the same version), both read
the token from ``METRICS_TOKEN`` and both answer with ``exposition`` (every worker's values
under ``PROMETHEUS_MULTIPROC_DIR``), so the route is one function, registered by
``rasa_extensions.ops_routes`` and ``rasa_sdk_plugins.ops_routes``. The gateway (aiohttp, its
own registry and database-derived gauges) has its own, ``handoff.ops.metrics``. Imported only
by those two servers, from either environment; Sanic and prometheus-client are all it needs
besides the standard library.
"""

from __future__ import annotations

import os

from sanic import response
from sanic.request import Request

from handoff.ops.exposition import exposition
from handoff.ops.probes import bearer_token_valid, metrics_refusal


async def metrics(request: Request) -> response.HTTPResponse:
    """The Prometheus text for a bearer of ``METRICS_TOKEN``, else 401 with a Chinese reason."""
    expected = os.environ.get("METRICS_TOKEN", "").strip()
    if not bearer_token_valid(expected, request.headers.get("Authorization", "")):
        return response.json(metrics_refusal(), status=401)
    body, content_type = exposition()
    return response.raw(body, content_type=content_type)
