"""The labels a trainer may give: the assistant's intents (bot/domain.yml) and the triage labels."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Final

import yaml

from triage_model.labels import CATEGORIES, TRIGGERS, URGENCIES

__all__ = ["CATEGORIES", "DOMAIN_FILE", "TRIGGERS", "URGENCIES", "domain_intents"]

#: The assistant's domain, beside this package in the checkout (whatever the working directory).
DOMAIN_FILE: Final = Path(__file__).resolve().parents[2] / "bot" / "domain.yml"
#: Intents of the domain a shopper's message is never labelled with.
_NOT_LABELS: Final = frozenset({"nlu_fallback", "send_photo"})


@functools.lru_cache(maxsize=4)
def _intents(path: Path, mtime: float) -> tuple[str, ...]:
    domain = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    names = []
    for entry in domain.get("intents", []):
        name = entry if isinstance(entry, str) else next(iter(entry), None)
        if isinstance(name, str) and name not in _NOT_LABELS and not name.startswith("EXTERNAL_"):
            names.append(name)
    return tuple(names)


def domain_intents(path: Path = DOMAIN_FILE) -> tuple[str, ...]:
    """The intents of ``bot/domain.yml`` a message can be labelled with (re-read when edited)."""
    return _intents(path.resolve(), path.stat().st_mtime)
