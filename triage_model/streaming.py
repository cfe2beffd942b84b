"""Reading JSON lines for ``predict``: batch what is already waiting, answer the rest at once.

Scoring 512 messages together is several times faster per message than one at a time, but a
caller that writes one line and waits for its answer (an interactive pipe, a terminal) must
get it without sending more. So a batch is every complete line that can be read *without
waiting*, up to a maximum: a file or a fast producer fills whole batches, a slow one gets
each line answered as it arrives. Streams without a file descriptor (tests' ``StringIO``)
are read in fixed batches.
"""

from __future__ import annotations

import io
import os
import select
from collections.abc import Iterator
from typing import TextIO

DEFAULT_MAX_BATCH = 512
_CHUNK = 1 << 16

Numbered = list[tuple[int, str]]


def _fileno(stream: TextIO) -> int | None:
    try:
        return stream.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation):
        return None


def batches(stream: TextIO, max_size: int) -> Iterator[Numbered]:
    """Non-blank lines with their 1-based line numbers, in batches of at most ``max_size``."""
    fd = _fileno(stream)
    if fd is None:
        yield from _fixed_batches(stream, max_size)
    else:
        yield from _waiting_batches(fd, max_size)


def _fixed_batches(stream: TextIO, size: int) -> Iterator[Numbered]:
    batch: Numbered = []
    for number, line in enumerate(stream, start=1):
        if line.strip():
            batch.append((number, line))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _ready(fd: int) -> bool:
    try:
        readable, _, _ = select.select([fd], [], [], 0)
    except (OSError, ValueError):
        return True  # a regular file on a platform where select refuses it: always readable
    return bool(readable)


def _waiting_batches(fd: int, max_size: int) -> Iterator[Numbered]:
    pending = b""
    number = 0
    eof = False
    while not eof:
        chunk = os.read(fd, _CHUNK)  # blocks until something arrives (or end of input)
        eof = not chunk
        pending += chunk
        # Take more only while it is already there and the batch is not full.
        while not eof and pending.count(b"\n") < max_size and _ready(fd):
            chunk = os.read(fd, _CHUNK)
            eof = not chunk
            pending += chunk
        *complete, pending = pending.split(b"\n")
        if eof and pending:
            complete.append(pending)
            pending = b""
        batch: Numbered = []
        for raw in complete:
            number += 1
            line = raw.decode("utf-8", errors="replace")
            if line.strip():
                batch.append((number, line))
            if len(batch) >= max_size:
                yield batch
                batch = []
        if batch:
            yield batch
