"""Who is chatting: a shopper id signed by the storefront, or an anonymous visitor.

The storefront (which knows who is signed in) puts ``shopper`` and ``sig`` =
HMAC-SHA256(secret, shopper) in the widget's script tag. The gateway checks the signature in
constant time; without a valid one the visitor is anonymous: a random id the gateway itself
signs and the widget keeps in ``localStorage``, which can never name a real shopper's cases.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Final

ANON_PREFIX: Final = "anon-"
_ANON_ID: Final = re.compile(r"anon-[0-9a-f]{32}")
MAX_SHOPPER_ID_CHARS: Final = 64


def sign(secret: bytes, value: str) -> str:
    """HMAC-SHA256 of ``value`` in hex: what the storefront computes for a shopper id."""
    return hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()


def valid_signature(secret: bytes, value: str, signature: str) -> bool:
    """Constant-time check of :func:`sign`."""
    return hmac.compare_digest(sign(secret, value), signature.strip().lower())


@dataclass(frozen=True)
class Identity:
    """The shopper behind a connection, and the one conversation they have with the shop."""

    shopper_id: str
    anonymous: bool
    #: Set for anonymous visitors: ``<id>.<signature>``, for the widget to keep and send back.
    anon_token: str | None = None

    @property
    def conversation_id(self) -> str:
        """One conversation per shopper, so every tab and every reload shares the history.

        A hash (not the raw id) keeps storefront ids out of URLs and Rasa's tracker keys.
        """
        if self.anonymous:
            return self.shopper_id
        return "s-" + hashlib.sha256(self.shopper_id.encode()).hexdigest()[:40]


def resolve_identity(secret: bytes, shopper: str, signature: str, anon_token: str) -> Identity:
    """The identity for a connection's credentials; anything forged yields a new anonymous one."""
    shopper = shopper.strip()
    if (
        shopper
        and len(shopper) <= MAX_SHOPPER_ID_CHARS
        and not shopper.startswith(ANON_PREFIX)
        and signature
        and valid_signature(secret, shopper, signature)
    ):
        return Identity(shopper_id=shopper, anonymous=False)
    anon_id, _, anon_signature = anon_token.partition(".")
    if _ANON_ID.fullmatch(anon_id) and valid_signature(secret, anon_id, anon_signature):
        return Identity(shopper_id=anon_id, anonymous=True, anon_token=anon_token)
    fresh = ANON_PREFIX + secrets.token_hex(16)
    return Identity(shopper_id=fresh, anonymous=True, anon_token=f"{fresh}.{sign(secret, fresh)}")
