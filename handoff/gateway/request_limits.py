"""The gateway's rate limits and the upload quota, as refusals a view can send.

Counted in the database (:mod:`handoff.rate_limits`), per shopper and per client address for
messages and uploads, per account name and address for logins. Unknown account names are
counted like known ones, so the answer never tells which names exist.
"""

from __future__ import annotations

import math
from typing import Final

from sqlalchemy.orm import Session

from handoff.gateway.identity import Identity
from handoff.gateway.service import Gateway
from handoff.gateway.shapes import Refusal
from handoff.rate_limits import (
    LOGINS_PER_ACCOUNT,
    LOGINS_PER_ADDRESS,
    MESSAGES_PER_ADDRESS,
    MESSAGES_PER_SHOPPER,
    TOO_FAST_ZH,
    TOO_MANY_LOGINS_ZH,
    UPLOADS_PER_ADDRESS,
    UPLOADS_PER_SHOPPER,
    hit_all,
)
from handoff.upload_retention import QUOTA_ZH, UPLOADS_PER_CONVERSATION_PER_DAY, uploads_today

QUOTA: Final = Refusal(429, "upload_quota", QUOTA_ZH, UPLOADS_PER_CONVERSATION_PER_DAY)


def too_fast(seconds: int) -> Refusal:
    """A 429 that says how long to wait (``limit`` carries the seconds)."""
    return Refusal(429, "rate_limited", TOO_FAST_ZH.format(seconds=seconds), seconds)


async def message_refusal(gateway: Gateway, identity: Identity, address: str) -> Refusal | None:
    """None if this shopper may send a message now, else why not."""
    checks = [(MESSAGES_PER_SHOPPER, identity.conversation_id), (MESSAGES_PER_ADDRESS, address)]
    wait = await gateway.db(lambda s: hit_all(s, checks))
    return None if wait is None else too_fast(wait)


async def upload_refusal(gateway: Gateway, identity: Identity, address: str) -> Refusal | None:
    """None if this shopper may upload a photo now (rate and daily quota), else why not."""
    checks = [(UPLOADS_PER_SHOPPER, identity.conversation_id), (UPLOADS_PER_ADDRESS, address)]

    def work(session: Session) -> Refusal | None:
        wait = hit_all(session, checks)
        if wait is not None:
            return too_fast(wait)
        used = uploads_today(session, identity.conversation_id)
        return QUOTA if used >= UPLOADS_PER_CONVERSATION_PER_DAY else None

    return await gateway.db(work)


async def login_refusal(gateway: Gateway, name: str, address: str) -> Refusal | None:
    """None if a login attempt for ``name`` from ``address`` may be checked now."""
    account = name.strip().lower()[:64]
    checks = [(LOGINS_PER_ACCOUNT, account), (LOGINS_PER_ADDRESS, address)]
    wait = await gateway.db(lambda s: hit_all(s, checks))
    if wait is None:
        return None
    minutes = max(1, math.ceil(wait / 60))
    return Refusal(429, "rate_limited", TOO_MANY_LOGINS_ZH.format(minutes=minutes), wait)
