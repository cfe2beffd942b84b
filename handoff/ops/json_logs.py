"""JSON log lines with the conversation id, for a log collector; the readable format stays
the default.

``LOG_FORMAT=json`` switches a process's handlers to :class:`JsonFormatter`: one JSON object
a line with ``time`` (UTC), ``level``, ``logger``, ``message``, the ``conversation_id`` of the
turn being served (when there is one), ``exception`` and any extra fields a library attached
(Sanic's access log: ``host``, ``request``, ``status``). Anything else leaves today's format.

The conversation id travels in a context variable: the code that knows it (the gateway's
views, Rasa's REST channel, the action server's middleware) calls :func:`bind_conversation`
and every record made in that task, or in a thread it starts with ``asyncio.to_thread``,
carries it. Masking still applies: ``handoff.log_masking`` masks each record when it is made,
and the formatter masks its output once more, so no phone number or address gets through a
field the record factory did not see.

Standard library only: the Rasa server and the action server import it from their own
environments.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, Final

from handoff.log_masking import mask_text

FORMAT_VARIABLE: Final = "LOG_FORMAT"
_conversation: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "conversation_id", default=None
)
_STANDARD_FIELDS: Final = frozenset(
    {*vars(logging.LogRecord("", 0, "", 0, "", None, None)), "message", "asctime", "taskName"}
)


def bind_conversation(conversation_id: str | None) -> contextvars.Token[str | None]:
    """Name the conversation the current task serves (a token for :func:`release`)."""
    return _conversation.set(conversation_id or None)


def release(token: contextvars.Token[str | None]) -> None:
    """Undo :func:`bind_conversation` (a server reusing a task for the next request)."""
    _conversation.reset(token)


def current_conversation() -> str | None:
    return _conversation.get()


class JsonFormatter(logging.Formatter):
    """One JSON object per record (see the module)."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created, timezone.utc)
        line: dict[str, Any] = {
            "time": stamp.isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_text(record.getMessage()),
        }
        conversation = getattr(record, "conversation_id", None) or _conversation.get()
        if conversation:
            line["conversation_id"] = str(conversation)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = mask_text(record.exc_text)
        for name, value in vars(record).items():
            if name in _STANDARD_FIELDS or name in line or name.startswith("_"):
                continue
            if isinstance(value, str):
                line[name] = mask_text(value)
            elif isinstance(value, (int, float, bool)) or value is None:
                line[name] = value
        return json.dumps(line, ensure_ascii=False)


def wants_json(env: Mapping[str, str] | None = None) -> bool:
    """Whether ``$LOG_FORMAT`` asks for JSON lines."""
    env = os.environ if env is None else env
    return env.get(FORMAT_VARIABLE, "").strip().lower() == "json"


def use_log_format(env: Mapping[str, str] | None = None) -> bool:
    """Give every handler of this process the JSON formatter if ``$LOG_FORMAT`` is ``json``.

    Call after the process configured its logging (and after ``install_log_masking``);
    idempotent. Returns whether JSON is on.
    """
    if not wants_json(env):
        return False
    formatter = JsonFormatter()
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    for logger in loggers:
        for handler in getattr(logger, "handlers", []):
            handler.setFormatter(formatter)
    return True
