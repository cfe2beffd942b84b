"""rasa_sdk's plugin hook (``rasa_sdk.plugin`` imports a top-level ``rasa_sdk_plugins`` and
calls :func:`init_hooks`): how our action server gets its authentication without replacing
``python -m rasa_sdk``. The implementation is ``rasa_sdk_plugins.action_server_auth``.
"""

from __future__ import annotations

from typing import Any


def init_hooks(manager: Any) -> None:
    """Register our hook implementations with rasa_sdk's plugin manager."""
    from rasa_sdk_plugins import action_server_auth, ops_routes

    manager.register(action_server_auth)
    manager.register(ops_routes)
