"""Who is chatting: a shopper id signed by the storefront, or an anonymous visitor.

The storefront (which knows who is signed in) puts ``shopper`` and ``sig`` =
``<expires>.<hex HMAC-SHA256(secret, shopper + "." + expires)>`` in the widget's script tag
(``expires`` in Unix seconds; README "Shop integration" shows the few lines a shop writes).
The gateway checks the signature in constant time and refuses an expired one, or one valid
for more than :data:`MAX_SIGNATURE_LIFETIME` (a leaked page must not be a key for ever). The
pre-expiry form (a bare HMAC of the shopper id) is refused too. Without a valid signature the
visitor is anonymous: a random id the gateway itself signs and the widget keeps in
``localStorage``, which can never name a real shopper's cases.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from typing import Final

ANON_PREFIX: Final = "anon-"
_ANON_ID: Final = re.compile(r"anon-[0-9a-f]{32}")
MAX_SHOPPER_ID_CHARS: Final = 64
#: The longest a storefront signature may be valid for; a shop signs for a page view or a
#: login session, e.g. a few hours.
MAX_SIGNATURE_LIFETIME: Final = 7 * 24 * 3600
#: What the demo storefront signs for.
STOREFRONT_SIGNATURE_LIFETIME: Final = 12 * 3600
_SHOPPER_SIGNATURE: Final = re.compile(r"([0-9]{1,12})\.([0-9a-f]{64})")


def sign(secret: bytes, value: str) -> str:
    """HMAC-SHA256 of ``value`` in hex: what the storefront computes for a shopper id."""
    return hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()


def valid_signature(secret: bytes, value: str, signature: str) -> bool:
    """Constant-time check of :func:`sign`."""
    # As bytes: compare_digest raises TypeError on a str with non-ASCII characters.
    return hmac.compare_digest(sign(secret, value).encode(), signature.strip().lower().encode())


def sign_shopper(secret: bytes, shopper_id: str, expires: int) -> str:
    """The storefront's ``data-sig``: ``<expires>.<HMAC(secret, shopper + "." + expires)>``."""
    return f"{expires}.{sign(secret, f'{shopper_id}.{expires}')}"


def valid_shopper_signature(
    secret: bytes, shopper_id: str, signature: str, now: float | None = None
) -> bool:
    """Whether ``signature`` (see :func:`sign_shopper`) is genuine, unexpired and not too long."""
    match = _SHOPPER_SIGNATURE.fullmatch(signature.strip().lower())
    if match is None:
        return False
    expires = int(match.group(1))
    current = time.time() if now is None else now
    if not current < expires <= current + MAX_SIGNATURE_LIFETIME:
        return False
    return hmac.compare_digest(sign(secret, f"{shopper_id}.{expires}").encode(), match[2].encode())


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


def resolve_identity(
    secret: bytes, shopper: str, signature: str, anon_token: str, now: float | None = None
) -> Identity:
    """The identity for a connection's credentials; anything forged or expired yields an
    anonymous one (the visitor's own, if their anonymous token is genuine)."""
    shopper = shopper.strip()
    if (
        shopper
        and len(shopper) <= MAX_SHOPPER_ID_CHARS
        and not shopper.startswith(ANON_PREFIX)
        and signature
        and valid_shopper_signature(secret, shopper, signature, now)
    ):
        return Identity(shopper_id=shopper, anonymous=False)
    anon_id, _, anon_signature = anon_token.partition(".")
    if _ANON_ID.fullmatch(anon_id) and valid_signature(secret, anon_id, anon_signature):
        return Identity(shopper_id=anon_id, anonymous=True, anon_token=anon_token)
    fresh = ANON_PREFIX + secrets.token_hex(16)
    return Identity(shopper_id=fresh, anonymous=True, anon_token=f"{fresh}.{sign(secret, fresh)}")
