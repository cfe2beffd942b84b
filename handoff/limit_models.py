"""The rate-limit counters' table, on the same ``Base`` as every other table.

In the database (not one process's memory) so that a second gateway instance counts the same
hits; a Redis counter can replace it later behind :mod:`handoff.rate_limits`.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from handoff.models import Base


class RateCounter(Base):
    """Hits of one key (``"msg-shopper:<id>"``) in one fixed window starting ``window_start``."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    #: Unix seconds, a multiple of the limit's window.
    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
