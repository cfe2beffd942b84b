"""Checks that a REST-channel request was signed by the gateway (see the gateway's
``handoff/gateway/channel_signature.py`` for the scheme), plus the declared shape of its body.

Standard library only, so the project's own environment can test that the gateway's signer
and this verifier agree.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any, Final

SIGNATURE_HEADER: Final = "X-Gateway-Signature"
#: How old (or how far in the future) a signature may be: clocks on one machine agree, and a
#: recorded request stops working soon after.
MAX_SKEW_SECONDS: Final = 300
#: The same limit as the gateway's (``handoff.messages.MAX_TEXT_CHARS``).
MAX_TEXT_CHARS: Final = 2000
MAX_SENDER_CHARS: Final = 128
MAX_BODY_BYTES: Final = 64 * 1024

TOO_LONG_ZH: Final = f"消息太长了：每条最多 {MAX_TEXT_CHARS} 个字，请分几条发送。"
BAD_REQUEST_ZH: Final = "请求格式不正确。"
UNSIGNED_ZH: Final = "只接受客服网关转发的消息。"


def signature_valid(secret: str, header: str, body: bytes, now: float | None = None) -> bool:
    """Whether ``header`` (``t=…,v1=…``) signs ``body`` under ``secret``, recently enough."""
    if not secret or not header:
        return False
    fields = {key.strip(): value for key, _, value in (p.partition("=") for p in header.split(","))}
    stamp, digest = fields.get("t", ""), fields.get("v1", "")
    if not stamp.isdigit() or len(stamp) > 12:
        return False
    current = time.time() if now is None else now
    if abs(current - int(stamp)) > MAX_SKEW_SECONDS:
        return False
    expected = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    # Sanic decodes headers with surrogateescape: encode them back the same way.
    return hmac.compare_digest(expected.encode(), digest.encode("utf-8", "surrogateescape"))


@dataclass(frozen=True)
class ChannelMessage:
    """A REST-channel body that passed its shape."""

    sender: str
    text: str
    metadata: dict[str, Any]


class Refused(ValueError):
    """Why a request is refused: an HTTP status and a Chinese message."""

    def __init__(self, status: int, message_zh: str) -> None:
        super().__init__(message_zh)
        self.status = status
        self.message_zh = message_zh


def parse_body(body: bytes) -> ChannelMessage:
    """``{"sender": str, "message": str, "metadata": object?}`` or :class:`Refused`."""
    if len(body) > MAX_BODY_BYTES:
        raise Refused(413, TOO_LONG_ZH)
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise Refused(400, BAD_REQUEST_ZH) from None
    if not isinstance(data, dict):
        raise Refused(400, BAD_REQUEST_ZH)
    sender, text, metadata = data.get("sender"), data.get("message"), data.get("metadata")
    if not isinstance(sender, str) or not sender or len(sender) > MAX_SENDER_CHARS:
        raise Refused(400, BAD_REQUEST_ZH)
    if not isinstance(text, str):
        raise Refused(400, BAD_REQUEST_ZH)
    if len(text) > MAX_TEXT_CHARS:
        raise Refused(413, TOO_LONG_ZH)
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise Refused(400, BAD_REQUEST_ZH)
    return ChannelMessage(sender=sender, text=text, metadata=metadata)
