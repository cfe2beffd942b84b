"""Ordinary chat turns taken from the assistant's intent examples, for the complaint detector.

The gateway screens every shopper message, and the predictor says whether one is a complaint
at all. The intent files (``nlu_data/intents/*.yml``) already hold a thousand and more turns
that are not complaints — greetings, thanks, yes and no, order numbers, ratings, questions
about the assistant, small talk — written and relabelled by trainers. Reading them here
keeps one source of truth instead of a copy under ``nlu_data/triage``.

Rasa's YAML is read with a few regular expressions (the project environment has no YAML
parser, and these files are generated in one simple shape): ``- intent: NAME`` then
``examples: |`` then ``    - text`` lines, with entity markup ``[text](entity)``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

DEFAULT_INTENTS_DIR = Path("nlu_data/intents")

#: Intents whose examples are never complaints. ``complain`` is not here, nor ``deny``'s
#: counterpart for the form: a turn that carries a problem is a complaint whatever its intent,
#: so examples of the mixed intents below are dropped when an urgency rule fires on them.
CHAT_INTENTS: Final = frozenset(
    {
        "greet",
        "goodbye",
        "thanks",
        "affirm",
        "deny",
        "bot_challenge",
        "ask_capabilities",
        "rate_service",
        "give_order_number",
        "no_order_number",
        "check_progress",
        "request_human",
        "out_of_scope",
    }
)

_HEADING: Final = re.compile(r"^- (intent|regex|synonym|lookup):\s*(\S+)\s*$")
_EXAMPLE: Final = re.compile(r"^\s+- (.+?)\s*$")
_ENTITY: Final = re.compile(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\{[^}]*\}")


def read_intent_examples(folder: Path) -> list[tuple[str, str]]:
    """(intent, text) for every example of every ``*.yml`` file in ``folder``, in file order."""
    examples: list[tuple[str, str]] = []
    for path in sorted(folder.glob("*.yml")):
        intent: str | None = None
        for line in path.read_text(encoding="utf-8").splitlines():
            heading = _HEADING.match(line)
            if heading:
                intent = heading.group(2) if heading.group(1) == "intent" else None
                continue
            example = _EXAMPLE.match(line)
            if intent is not None and example:
                text = _ENTITY.sub(lambda m: m.group(1) or m.group(2), example.group(1)).strip()
                if text:
                    examples.append((intent, text))
    return examples


def chat_turns(folder: Path) -> list[str]:
    """The texts of ``CHAT_INTENTS`` examples in ``folder``, deduplicated, in file order."""
    texts = (text for intent, text in read_intent_examples(folder) if intent in CHAT_INTENTS)
    return list(dict.fromkeys(texts))
