"""The shared secrets between the gateway, the Rasa server and the action server.

Each secret comes from its environment variable, else from a file under ``var/`` that the
first run creates, owner-only (0600). ``scripts/run-services`` calls :func:`main` to make the
files and export the values to the three servers, so a developer never sets anything by hand
while a real deployment passes its own values through the environment. The README's
"Secrets" section lists them.
"""

from __future__ import annotations

import os
import secrets
import shlex
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Final

#: environment variable -> file name under ``var/``, and what the secret protects.
SECRETS: Final = {
    "HANDOFF_SECRET": "handoff_secret",  # storefront shopper signatures, anonymous ids, photos
    "RASA_TOKEN": "rasa_token",  # Rasa's HTTP API (--auth-token)
    "RASA_CHANNEL_SECRET": "rasa_channel_secret",  # gateway -> Rasa REST channel (HMAC)
    "ACTIONS_SECRET": "actions_secret",  # Rasa -> action server (X-Actions-Secret header)
    "METRICS_TOKEN": "metrics_token",  # Prometheus -> every /metrics (Authorization: Bearer)
}


def read_secret(variable: str, var_dir: Path, env: Mapping[str, str] | None = None) -> str:
    """``$variable`` if set, else ``var_dir/<file>``, created with 32 random bytes if missing."""
    env = os.environ if env is None else env
    value = env.get(variable, "").strip()
    if value:
        return value
    path = var_dir / SECRETS[variable]
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first: use theirs
            pass
        else:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def main(argv: list[str] | None = None) -> int:
    """Print ``export NAME=value`` for every secret (files created as needed) for a shell."""
    args = sys.argv[1:] if argv is None else argv
    var_dir = Path(args[0]) if args else Path.cwd() / "var"
    for variable in SECRETS:
        print(f"export {variable}={shlex.quote(read_secret(variable, var_dir))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
