"""Redis keys that name a shopper or one of their conversations, removed on erasure.

The gateway keeps short-lived state in Redis when ``REDIS_URL`` is set (typing, fan-out,
and agents' presence, which names agents only); every key about a shopper embeds the
conversation id or the shopper id. Rather than a list of
key layouts that would drift from the code that writes them, erasure scans for any key that
contains one of the identifiers (``SCAN MATCH``, never the blocking ``KEYS``) and deletes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final, cast

#: Characters that are special in a ``SCAN MATCH`` glob.
_GLOB_SPECIAL: Final = re.compile(r"([*?\[\]\\])")
SCAN_BATCH: Final = 500


def glob_literal(value: str) -> str:
    """``value`` escaped so that a glob matches it literally."""
    return _GLOB_SPECIAL.sub(r"\\\1", value)


def delete_keys_naming(url: str, identifiers: Iterable[str]) -> int:
    """Delete every key containing one of ``identifiers``; how many keys were deleted."""
    import redis

    client = redis.Redis.from_url(url)
    deleted = 0
    try:
        for identifier in sorted(set(identifiers)):
            if not identifier:
                continue
            pattern = f"*{glob_literal(identifier)}*"
            batch: list[bytes] = []
            for key in client.scan_iter(match=pattern, count=SCAN_BATCH):
                batch.append(key)
                if len(batch) >= SCAN_BATCH:
                    deleted += cast(int, client.delete(*batch))  # the sync client answers an int
                    batch = []
            if batch:
                deleted += cast(int, client.delete(*batch))  # the sync client answers an int
    finally:
        client.close()
    return deleted
