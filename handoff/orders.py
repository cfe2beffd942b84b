"""Orders as the assistant sees them, behind an interface a real shop can replace.

The assistant only needs :class:`OrderLookup`: given an order number, the order or None.
:class:`DatabaseOrderLookup` answers from the ``orders`` table, which holds the demo shop's
orders in a fresh install. A shop with its own order system implements ``OrderLookup``
against it and calls :func:`remember_order` before opening a case, so the case keeps a
snapshot of the order as it was when the shopper complained.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Final, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from handoff.clock import CHINA_TZ, UTC
from handoff.demo_orders import DEMO_ORDERS
from handoff.models import Order

ORDER_ID_MIN_DIGITS: Final = 10
ORDER_ID_MAX_DIGITS: Final = 20
_SEPARATORS: Final = re.compile(r"[\s\-‐‑‒–—―_]+")
_ORDER_ID: Final = re.compile(rf"[0-9]{{{ORDER_ID_MIN_DIGITS},{ORDER_ID_MAX_DIGITS}}}")


def normalize_order_id(raw: str) -> str | None:
    """The order number's digits, or None if ``raw`` is not an order number.

    Shoppers paste numbers grouped with spaces or dashes and type full-width digits on
    Chinese keyboards (２０２４…); NFKC folds those to ASCII. Anything else (letters, too few
    or too many digits) is not an order number: better to ask again than to look up a guess.
    """
    text = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw))
    return text if _ORDER_ID.fullmatch(text) else None


@dataclass(frozen=True)
class OrderInfo:
    """What the assistant may tell a shopper about an order."""

    order_id: str
    shopper_id: str
    product: str
    amount_yuan: Decimal
    status: str
    ordered_at: datetime

    @classmethod
    def from_row(cls, order: Order) -> OrderInfo:
        """Detach an ORM row into a value that outlives its session."""
        return cls(
            order_id=order.order_id,
            shopper_id=order.shopper_id,
            product=order.product,
            amount_yuan=order.amount_yuan,
            status=order.status,
            ordered_at=order.ordered_at,
        )


class OrderLookup(Protocol):
    """The shop's order system, as far as the assistant needs it."""

    def find(self, order_id: str) -> OrderInfo | None:
        """The order with this number, or None if there is none."""
        ...


class DatabaseOrderLookup:
    """The demo order system: the ``orders`` table. Each call uses its own short session."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory

    def find(self, order_id: str) -> OrderInfo | None:
        """The order with this number (any accepted spelling), or None."""
        normalized = normalize_order_id(order_id)
        if normalized is None:
            return None
        with self._factory() as session:
            order = session.get(Order, normalized)
            return OrderInfo.from_row(order) if order is not None else None

    def for_shopper(self, shopper_id: str) -> list[OrderInfo]:
        """A shopper's orders, newest first (for "which order?" prompts)."""
        with self._factory() as session:
            return [OrderInfo.from_row(order) for order in list_orders(session, shopper_id)]


def list_orders(session: Session, shopper_id: str | None = None) -> list[Order]:
    """All orders, or one shopper's, newest first."""
    statement = select(Order).order_by(Order.ordered_at.desc(), Order.order_id)
    if shopper_id is not None:
        statement = statement.where(Order.shopper_id == shopper_id)
    return list(session.scalars(statement))


def _to_fen(amount_yuan: Decimal) -> int:
    fen = amount_yuan * 100
    if fen != fen.to_integral_value() or fen < 0:
        raise ValueError(f"amount must be a non-negative number of fen, got {amount_yuan} 元")
    return int(fen)


def remember_order(session: Session, info: OrderInfo) -> Order:
    """Store (or refresh) a snapshot of an order from another order system.

    Cases reference ``orders`` by foreign key, so a shop that replaces the lookup stores the
    order here before :func:`handoff.cases.open_case` refers to it.
    """
    order = session.get(Order, info.order_id)
    if order is None:
        order = Order(order_id=info.order_id)
        session.add(order)
    order.shopper_id = info.shopper_id
    order.product = info.product
    order.amount_fen = _to_fen(info.amount_yuan)
    order.status = info.status
    order.ordered_at = info.ordered_at
    return order


def seed_demo_orders(session: Session) -> int:
    """Add the demo orders that are not there yet; return how many were added."""
    existing = set(session.scalars(select(Order.order_id)))
    added = 0
    for demo in DEMO_ORDERS:
        if demo.order_id in existing:
            continue
        ordered_at = datetime.strptime(demo.ordered_at_china, "%Y-%m-%d %H:%M")
        session.add(
            Order(
                order_id=demo.order_id,
                shopper_id=demo.shopper_id,
                product=demo.product,
                amount_fen=_to_fen(Decimal(demo.amount_yuan)),
                status=demo.status,
                ordered_at=ordered_at.replace(tzinfo=CHINA_TZ).astimezone(UTC),
            )
        )
        added += 1
    return added
