"""Order numbers as shoppers type them, the demo orders, and the order lookup."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from casestore_helpers import RICE_COOKER, triage
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from handoff.cases import UnknownOrderError, open_case
from handoff.db import transaction
from handoff.demo_orders import DEMO_ORDERS
from handoff.models import Order
from handoff.orders import (
    DatabaseOrderLookup,
    OrderInfo,
    normalize_order_id,
    remember_order,
    seed_demo_orders,
)
from handoff.vocabulary import ORDER_STATUSES


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024112212345678", "2024112212345678"),
        ("  2024112212345678\n", "2024112212345678"),
        ("2024 1122 1234 5678", "2024112212345678"),
        ("2024-1122-1234-5678", "2024112212345678"),
        ("２０２４１１２２１２３４５６７８", "2024112212345678"),  # full-width digits
        (
            "２０２４－１１２２　１２３４５６７８",
            "2024112212345678",
        ),  # full-width dash, ideographic space
        ("1234567890", "1234567890"),  # 10 digits: the shortest accepted
        ("12345678901234567890", "12345678901234567890"),  # 20 digits: the longest
        ("123456789", None),  # too short
        ("123456789012345678901", None),  # too long
        ("2024112212345678a", None),  # letters
        ("SF1234567890123", None),  # a courier tracking number, not an order
        ("订单号2024112212345678", None),  # other text: the caller extracts the number first
        ("", None),
        ("----", None),
        ("2024.1122.1234.5678", None),
    ],
)
def test_normalize_order_id(raw: str, expected: str | None) -> None:
    assert normalize_order_id(raw) == expected


def test_demo_orders_are_many_varied_and_well_formed() -> None:
    assert len(DEMO_ORDERS) >= 30
    ids = [order.order_id for order in DEMO_ORDERS]
    assert len(set(ids)) == len(ids)
    assert all(normalize_order_id(order_id) == order_id for order_id in ids)
    assert {order.status for order in DEMO_ORDERS} == set(ORDER_STATUSES)
    owners = Counter(order.shopper_id for order in DEMO_ORDERS)
    assert owners.most_common(1)[0][0] == "demo-shopper"
    assert owners["demo-shopper"] > len(DEMO_ORDERS) / 2
    assert len(owners) >= 4
    products = " ".join(order.product for order in DEMO_ORDERS)
    for word in ("电饭煲", "蓝牙耳机", "连衣裙", "奶粉", "iPhone", "大闸蟹"):
        assert word in products


def test_seeding_writes_the_demo_orders_once(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        assert session.scalar(select(func.count()).select_from(Order)) == len(DEMO_ORDERS)
        assert seed_demo_orders(session) == 0
    with transaction(factory) as session:
        assert session.scalar(select(func.count()).select_from(Order)) == len(DEMO_ORDERS)


def test_lookup_finds_the_rice_cooker_of_the_demo_shopper(factory: sessionmaker[Session]) -> None:
    lookup = DatabaseOrderLookup(factory)
    order = lookup.find(RICE_COOKER)
    assert order is not None
    assert order.shopper_id == "demo-shopper"
    assert "电饭煲" in order.product
    assert order.amount_yuan == Decimal("299.00")
    assert order.ordered_at.tzinfo is not None
    assert order.ordered_at == datetime(2024, 11, 22, 1, 12, tzinfo=timezone.utc)
    assert lookup.find("2024 1122 1234 5678") == order


def test_lookup_returns_none_for_unknown_or_invalid_numbers(
    factory: sessionmaker[Session],
) -> None:
    lookup = DatabaseOrderLookup(factory)
    assert lookup.find("9999999999999999") is None
    assert lookup.find("not a number") is None


def test_lookup_lists_a_shoppers_orders_newest_first(factory: sessionmaker[Session]) -> None:
    orders = DatabaseOrderLookup(factory).for_shopper("shopper-1001")
    assert [o.shopper_id for o in orders] == ["shopper-1001"] * len(orders)
    assert [o.ordered_at for o in orders] == sorted((o.ordered_at for o in orders), reverse=True)


def test_an_order_from_another_system_is_remembered_before_a_case(
    factory: sessionmaker[Session],
) -> None:
    foreign = OrderInfo(
        order_id="7700112233445566",
        shopper_id="shopper-9",
        product="格力 电风扇",
        amount_yuan=Decimal("259.50"),
        status="已签收",
        ordered_at=datetime(2024, 11, 1, 4, 0, tzinfo=timezone.utc),
    )
    with transaction(factory) as session, pytest.raises(UnknownOrderError):
        open_case(
            session,
            conversation_id="c-9",
            shopper_id="shopper-9",
            order_id=foreign.order_id,
            description="风扇不转",
            triage=triage(),
            dedupe_key="c-9:1",
        )
    with transaction(factory) as session:
        remember_order(session, foreign)
        session.flush()
        case, created = open_case(
            session,
            conversation_id="c-9",
            shopper_id="shopper-9",
            order_id=foreign.order_id,
            description="风扇不转",
            triage=triage(),
            dedupe_key="c-9:1",
        )
        assert created and case.order_id == foreign.order_id
    assert DatabaseOrderLookup(factory).find(foreign.order_id) == foreign
