"""The gateway's signature on what it posts to Rasa's REST channel.

The REST channel trusts ``metadata.shopper_id`` only because the gateway vouches for it:
every request body is signed with HMAC-SHA256 under ``RASA_CHANNEL_SECRET`` together with the
time, in the ``X-Gateway-Signature`` header (``t=<unix seconds>,v1=<hex>``). The Rasa side
(``rasa_extensions/channel_auth.py``) checks it in constant time and refuses anything older
than a few minutes, unsigned, or signed with another secret. Tests check that the two agree.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Final

SIGNATURE_HEADER: Final = "X-Gateway-Signature"


def channel_signature(secret: str, body: bytes, now: float | None = None) -> str:
    """The header value for ``body`` at ``now`` (default: the current time)."""
    stamp = int(time.time() if now is None else now)
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"
