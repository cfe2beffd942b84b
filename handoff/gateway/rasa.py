"""Talking to the Rasa server: the REST channel, pausing, and handing a shopper back.

Behind the small :class:`Assistant` protocol so that the gateway's tests can run against a
tiny fake Rasa app, and another bot could stand in.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from typing import Any, Final, Protocol
from urllib.parse import quote

import aiohttp

from handoff.gateway.channel_signature import SIGNATURE_HEADER, channel_signature

log = logging.getLogger(__name__)

#: Rasa's ``include_events`` query value for "answer without the tracker's events".
NO_EVENTS: Final = {"include_events": "NONE"}


class AssistantUnavailable(RuntimeError):
    """Rasa did not answer (down, restarting, or an error status)."""


@dataclass(frozen=True)
class BotReply:
    """One bot message: text, quick-reply buttons, and/or a custom payload."""

    text: str = ""
    buttons: list[dict[str, str]] = field(default_factory=list)
    custom: Any = None

    @classmethod
    def from_rasa(cls, raw: dict[str, Any]) -> BotReply:
        """Keep only what the widget can show; buttons need a title and a payload."""
        buttons = [
            {"title": str(b["title"]), "payload": str(b["payload"])}
            for b in raw.get("buttons") or []
            if isinstance(b, dict) and "title" in b and "payload" in b
        ]
        return cls(text=str(raw.get("text") or ""), buttons=buttons, custom=raw.get("custom"))


class Assistant(Protocol):
    """What the gateway needs from the bot."""

    async def message(
        self, conversation_id: str, text: str, metadata: dict[str, Any]
    ) -> list[BotReply]:
        """Send a shopper message; the bot's replies (none while paused)."""

    async def pause(self, conversation_id: str) -> None:
        """Leave any form and stop answering: a human takes over."""

    async def hand_back(self, conversation_id: str, *, resolved: bool) -> list[BotReply]:
        """Resume the bot after a human; its greeting (and the rating question)."""


class RasaHttp:
    """:class:`Assistant` over Rasa's HTTP API (REST channel and ``--enable-api``)."""

    def __init__(
        self,
        client: aiohttp.ClientSession,
        base_url: str,
        token: str = "",
        channel_secret: str = "",
    ) -> None:
        self._client = client
        self._base = base_url.rstrip("/")
        self._params = {"token": token} if token else {}
        self._channel_secret = channel_secret

    async def _post(self, path: str, body: Any, params: dict[str, str] | None = None) -> Any:
        """POST ``body``: signed for the REST channel, with the API token for the rest."""
        data = json.dumps(body, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        if path.startswith("/webhooks/"):
            headers[SIGNATURE_HEADER] = channel_signature(self._channel_secret, data)
        try:
            async with self._client.post(
                self._base + path,
                data=data,
                headers=headers,
                params={**self._params, **(params or {})},
            ) as response:
                if response.status >= 400:
                    detail = (await response.text())[:200]
                    raise AssistantUnavailable(f"rasa {path}: HTTP {response.status} {detail}")
                return await response.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise AssistantUnavailable(f"rasa {path}: {error!r}") from error

    @staticmethod
    def _path(conversation_id: str, tail: str) -> str:
        return f"/conversations/{quote(conversation_id, safe='')}/{tail}"

    async def message(
        self, conversation_id: str, text: str, metadata: dict[str, Any]
    ) -> list[BotReply]:
        body = {"sender": conversation_id, "message": text, "metadata": metadata}
        replies = await self._post("/webhooks/rest/webhook", body)
        return [BotReply.from_rasa(r) for r in replies or [] if isinstance(r, dict)]

    async def pause(self, conversation_id: str) -> None:
        events = [
            {"event": "active_loop", "name": None},
            {"event": "slot", "name": "requested_slot", "value": None},
            {"event": "pause"},
        ]
        await self._post(self._path(conversation_id, "tracker/events"), events, NO_EVENTS)

    async def hand_back(self, conversation_id: str, *, resolved: bool) -> list[BotReply]:
        # include_events=NONE: both calls would otherwise answer with the whole tracker,
        # which in a long chat is a large document Rasa serialises for nothing.
        await self._post(
            self._path(conversation_id, "tracker/events"), {"event": "resume"}, NO_EVENTS
        )
        result = await self._post(
            self._path(conversation_id, "trigger_intent"),
            {"name": "EXTERNAL_handed_back", "entities": {"resolved": resolved}},
            NO_EVENTS,
        )
        messages = result.get("messages", []) if isinstance(result, dict) else []
        return [BotReply.from_rasa(m) for m in messages if isinstance(m, dict)]
