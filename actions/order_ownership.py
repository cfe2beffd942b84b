"""An order number is accepted only for the shopper it belongs to.

The order store answers "which order has this number"; the complaint form must also know
that it is *this shopper's* order, or anyone could open cases on other people's orders and,
from the different answers, find out which order numbers exist. So an order that exists but
belongs to someone else is treated exactly like one that does not exist: same answer, same
work. Anonymous visitors own no orders (they can still complain without an order number).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from actions import resources

if TYPE_CHECKING:
    from handoff.orders import OrderInfo

ANONYMOUS_PREFIX = "anon-"


def find_owned_order(order_id: str, shopper_id: str) -> OrderInfo | None:
    """The order with this number if it belongs to ``shopper_id``, else None."""
    order = resources.order_lookup().find(order_id)
    if order is None or not shopper_id or shopper_id.startswith(ANONYMOUS_PREFIX):
        return None
    return order if order.shopper_id == shopper_id else None
