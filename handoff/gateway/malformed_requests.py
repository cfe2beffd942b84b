"""A malformed HTTP request is the client's fault: one warning line, not an error traceback.

aiohttp answers a request it cannot parse (a request line over 8 KB, a broken header) with a
400 itself, before any view runs, and logs it with ``logger.exception`` as if the server had
failed. This filter on the ``aiohttp.server`` logger turns exactly those records (an
``HttpProcessingError`` below 500) into a warning without the traceback, so the log's
tracebacks stay the server's own bugs, the ones someone must read.
"""

from __future__ import annotations

import logging

from aiohttp.http_exceptions import HttpProcessingError


class MalformedRequestFilter(logging.Filter):
    """Downgrades aiohttp's records of unparseable client requests (see the module)."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError) and 400 <= (error.code or 400) < 500:
            record.msg = (
                f"{record.getMessage()}: malformed request ({error.code}, {type(error).__name__})"
            )
            record.args = None
            record.exc_info = None
            record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def install_malformed_request_filter() -> None:
    """Put the filter on ``aiohttp.server`` once."""
    logger = logging.getLogger("aiohttp.server")
    if not any(isinstance(f, MalformedRequestFilter) for f in logger.filters):
        logger.addFilter(MalformedRequestFilter())
