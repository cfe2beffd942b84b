"""Gateway settings from the environment, read once at start-up (never at import)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from handoff.db import database_url
from handoff.ops.retention import DEFAULT_RETENTION_DAYS, retention_days
from handoff.review.harvest import tracker_url
from handoff.service_secrets import read_secret
from handoff.turn_limits import TurnBudget

DEFAULT_PORT: Final = 8080
DEFAULT_RASA_URL: Final = "http://127.0.0.1:5005"
MAX_UPLOAD_BYTES: Final = 5 * 1024 * 1024


def _secret(env: Mapping[str, str], var_dir: Path) -> bytes:
    """``$HANDOFF_SECRET``, else ``var/handoff_secret`` (created, owner-only, on first run).

    A generated secret lets the demo run out of the box; a real storefront shares the value
    with the gateway through the environment.
    """
    return read_secret("HANDOFF_SECRET", var_dir, env).encode()


@dataclass(frozen=True)
class Settings:
    """Everything the gateway needs to know about its surroundings."""

    secret: bytes
    database_url: str
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    rasa_url: str = DEFAULT_RASA_URL
    rasa_token: str = ""
    #: Signs what the gateway posts to Rasa's REST channel (``channel_signature``).
    rasa_channel_secret: str = ""
    #: Addresses of reverse proxies whose ``X-Forwarded-Proto`` / ``X-Forwarded-For`` count.
    trusted_proxies: tuple[str, ...] = ()
    #: Origins besides the gateway's own that may open the shopper WebSocket (storefronts).
    allowed_origins: tuple[str, ...] = ()
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    #: Set behind HTTPS so that the agent's session cookie is never sent in clear.
    secure_cookies: bool = False
    #: How often a live view re-reads the database for changes made by another instance.
    poll_seconds: float = 1.0
    #: Redis for live updates between gateways (``make run-cluster``); empty: in-process.
    redis_url: str = ""
    #: With Redis, how often a live view still re-reads what no event announces (a queued
    #: shopper's position, agents going offline) and the console's queue.
    live_refresh_seconds: float = 5.0
    demo_shopper: str = "demo-shopper"
    #: Rasa's tracker store (SQLAlchemy URL), read by the review inbox's harvester; empty: off.
    tracker_url: str = ""
    #: Seconds between two harvests of the tracker store.
    harvest_seconds: float = 5.0
    #: ``Authorization: Bearer`` value that ``GET /metrics`` requires (``METRICS_TOKEN``).
    metrics_token: str = ""
    #: Chat text older than this many days is purged daily (``HANDOFF_RETENTION_DAYS``).
    retention_days: int = DEFAULT_RETENTION_DAYS
    #: How long one call to Rasa may take: past the whole life of a turn's ticket
    #: (``handoff.turn_limits``, from Rasa's ``TICKET_LOCK_LIFETIME``), so the gateway never
    #: tells the shopper "failed" about a turn Rasa is still running.
    rasa_turn_seconds: float = TurnBudget().gateway_wait_seconds

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, var_dir: Path | None = None
    ) -> Settings:
        """Read ``HANDOFF_*``, ``RASA_URL``, ``DATABASE_URL``, ``REDIS_URL`` and Rasa's turn
        limits (``TICKET_LOCK_LIFETIME``, ``RASA_ACTION_TIMEOUT``, refused as Rasa refuses them)."""
        env = os.environ if env is None else env
        var = var_dir if var_dir is not None else Path.cwd() / "var"
        origins = tuple(
            o.strip().rstrip("/") for o in env.get("HANDOFF_ALLOWED_ORIGINS", "").split(",")
        )
        return cls(
            secret=_secret(env, var),
            database_url=env.get("DATABASE_URL", "").strip() or database_url(),
            host=env.get("HANDOFF_HOST", "127.0.0.1"),
            port=int(env.get("HANDOFF_PORT", DEFAULT_PORT)),
            rasa_url=env.get("RASA_URL", DEFAULT_RASA_URL).rstrip("/"),
            rasa_token=read_secret("RASA_TOKEN", var, env),
            rasa_channel_secret=read_secret("RASA_CHANNEL_SECRET", var, env),
            trusted_proxies=tuple(
                p.strip() for p in env.get("HANDOFF_TRUSTED_PROXIES", "").split(",") if p.strip()
            ),
            allowed_origins=tuple(o for o in origins if o),
            secure_cookies=env.get("HANDOFF_SECURE_COOKIES", "") in {"1", "true", "yes"},
            demo_shopper=env.get("HANDOFF_DEMO_SHOPPER", "demo-shopper"),
            tracker_url=tracker_url(env),
            harvest_seconds=float(env.get("HANDOFF_HARVEST_SECONDS", "5")),
            metrics_token=read_secret("METRICS_TOKEN", var, env),
            retention_days=retention_days(env),
            redis_url=env.get("REDIS_URL", "").strip(),
            rasa_turn_seconds=TurnBudget.from_environment(env=env).gateway_wait_seconds,
        )
