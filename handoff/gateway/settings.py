"""Gateway settings from the environment, read once at start-up (never at import)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from handoff.db import database_url
from handoff.review.harvest import tracker_url

DEFAULT_PORT: Final = 8080
DEFAULT_RASA_URL: Final = "http://127.0.0.1:5005"
MAX_UPLOAD_BYTES: Final = 5 * 1024 * 1024


def _secret(env: Mapping[str, str], var_dir: Path) -> bytes:
    """``$HANDOFF_SECRET``, else ``var/handoff_secret`` (created, owner-only, on first run).

    A generated secret lets the demo run out of the box; a real storefront shares the value
    with the gateway through the environment.
    """
    value = env.get("HANDOFF_SECRET", "").strip()
    if value:
        return value.encode()
    path = var_dir / "handoff_secret"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


@dataclass(frozen=True)
class Settings:
    """Everything the gateway needs to know about its surroundings."""

    secret: bytes
    database_url: str
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    rasa_url: str = DEFAULT_RASA_URL
    rasa_token: str = ""
    #: Origins besides the gateway's own that may open the shopper WebSocket (storefronts).
    allowed_origins: tuple[str, ...] = ()
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    #: Set behind HTTPS so that the agent's session cookie is never sent in clear.
    secure_cookies: bool = False
    #: How often a live view re-reads the database for changes made by another instance.
    poll_seconds: float = 1.0
    demo_shopper: str = "demo-shopper"
    #: Rasa's tracker store (SQLAlchemy URL), read by the review inbox's harvester; empty: off.
    tracker_url: str = ""
    #: Seconds between two harvests of the tracker store.
    harvest_seconds: float = 5.0

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, var_dir: Path | None = None
    ) -> Settings:
        """Read ``HANDOFF_*``, ``RASA_URL`` and ``DATABASE_URL``."""
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
            rasa_token=env.get("RASA_TOKEN", ""),
            allowed_origins=tuple(o for o in origins if o),
            secure_cookies=env.get("HANDOFF_SECURE_COOKIES", "") in {"1", "true", "yes"},
            demo_shopper=env.get("HANDOFF_DEMO_SHOPPER", "demo-shopper"),
            tracker_url=tracker_url(env),
            harvest_seconds=float(env.get("HANDOFF_HARVEST_SECONDS", "5")),
        )
