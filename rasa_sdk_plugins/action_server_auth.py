"""The action server answers only Rasa: every route but the probes needs ``ACTIONS_SECRET``.

Without it, anyone who can reach the port could post a forged tracker and have
``action_check_progress`` list any shopper's cases or ``action_submit_complaint`` open cases on
any order. Rasa sends the secret as the ``X-Actions-Secret`` header (``headers:`` of the
action endpoint in the endpoints file ``scripts/run-services`` writes). An unset secret refuses
everything (fail closed). The same hook installs the PII log masking in the action server.
"""

from __future__ import annotations

import hmac
import logging
import os
from typing import Any, Final

import pluggy
from sanic import Sanic, response

from handoff.log_masking import install_log_masking

hookimpl = pluggy.HookimplMarker("rasa_sdk")
log = logging.getLogger(__name__)

SECRET_HEADER: Final = "X-Actions-Secret"
#: ``/ready`` reveals nothing; ``/metrics`` checks its own token (``rasa_sdk_plugins.ops_routes``).
OPEN_PATHS: Final = frozenset({"/health", "/ready", "/metrics"})
#: A tracker of a long conversation is a few hundred KB; nothing legitimate is near this.
MAX_REQUEST_BYTES: Final = 8 * 1024 * 1024


def secret_matches(expected: str, provided: str) -> bool:
    """Constant-time comparison; an empty expected secret matches nothing."""
    # Sanic decodes headers with surrogateescape: encode them back the same way.
    supplied = provided.encode("utf-8", "surrogateescape")
    return bool(expected) and hmac.compare_digest(expected.encode(), supplied)


@hookimpl
def attach_sanic_app_extensions(app: Sanic) -> None:
    """Mask the logs, limit request size and require the secret on every call."""
    install_log_masking()
    app.config.REQUEST_MAX_SIZE = MAX_REQUEST_BYTES
    expected = os.environ.get("ACTIONS_SECRET", "").strip()
    if not expected:
        log.error("ACTIONS_SECRET is not set: the action server refuses every call")

    async def require_secret(request: Any) -> Any:
        if request.path in OPEN_PATHS:
            return None
        if secret_matches(expected, request.headers.get(SECRET_HEADER, "")):
            return None
        return response.json({"error": "unauthorised"}, status=401)

    app.register_middleware(require_secret, "request")
