"""Order numbers found beside phone numbers, in pasted order cards and in every written form.

Pure functions over text: no database, no model (the form's use of them is in
``test_actions_complaint_form.py``).
"""

from __future__ import annotations

import pytest

from actions.order_numbers import search_order_number


@pytest.fixture(autouse=True)
def case_store() -> None:
    """Overrides the package's database-and-model fixture: these tests need neither."""


ORDER = "2024112212345678"

PHONE_FORMS = [
    "13812345678",
    "138-1234-5678",
    "138 1234 5678",
    "138.1234.5678",
    "+86 138 1234 5678",
    "+8613812345678",
    "0086-138-1234-5678",
    "１３８１２３４５６７８",
    "１３８－１２３４－５６７８",
    "Tel13812345678",
    "TEL: 13812345678",
    "tel:138-1234-5678",
    "手机：13812345678",
    "电话 0755-12345678",
    "010-87654321",
]


@pytest.mark.parametrize("phone", PHONE_FORMS)
@pytest.mark.parametrize(
    "template",
    [
        "电饭煲坏了，联系电话{phone}，订单号 {order}",
        "订单号 {order}，有事打我电话{phone}",
        "{phone} {order} 电饭煲不加热",
        "电饭煲坏了 {order} 我的电话是{phone}",
        "{order}\n{phone}",
    ],
)
def test_a_phone_number_is_never_the_order_number(template: str, phone: str) -> None:
    search = search_order_number(template.format(phone=phone, order=ORDER))
    assert search.order_number == ORDER
    assert search.ambiguous == ()


@pytest.mark.parametrize("phone", PHONE_FORMS)
def test_a_phone_number_alone_is_not_taken(phone: str) -> None:
    search = search_order_number(f"我的电话{phone}，快递一直没到")
    assert search.order_number is None
    assert search.phones


@pytest.mark.parametrize(
    "written",
    [
        ORDER,
        "2024 1122 1234 5678",
        "2024-1122-1234-5678",
        "２０２４１１２２１２３４５６７８",
        "２０２４－１１２２－１２３４－５６７８",
        "2024.1122.1234.5678",
    ],
)
def test_order_number_forms(written: str) -> None:
    assert search_order_number(f"订单号：{written} 还没发货").order_number == ORDER


def test_the_issue_example() -> None:
    text = "电饭煲坏了，联系电话13812345678，订单号 2024112212345678"
    search = search_order_number(text)
    assert search.order_number == ORDER
    assert search.phones == ("13812345678",)


def test_pasted_order_card_ignores_amount_and_date() -> None:
    text = "咨询订单号:12345678901 订单金额:99.00 下单时间:2024-03-02 14:22:10 还没送到"
    assert search_order_number(text).order_number == "12345678901"


def test_date_and_time_are_not_order_numbers() -> None:
    search = search_order_number("2024-03-02 14:22 下的单，到现在还没发货")
    assert search.order_number is None
    assert search.ambiguous == ()


def test_the_labelled_number_wins_over_an_unlabelled_one() -> None:
    text = "物流单号不管，订单 2024112212345678，另一个 2024112312345679 是上次的"
    assert search_order_number(text).order_number == ORDER


def test_two_unlabelled_candidates_are_ambiguous() -> None:
    search = search_order_number("2024112212345678 和 2024112312345679 都没收到")
    assert search.order_number is None
    assert search.ambiguous == (ORDER, "2024112312345679")


def test_the_same_number_twice_is_not_ambiguous() -> None:
    assert search_order_number(f"{ORDER}，再说一遍 {ORDER}").order_number == ORDER


def test_two_numbers_separated_by_a_space_are_two_numbers() -> None:
    assert search_order_number(f"{ORDER} 13812345678").order_number == ORDER


def test_a_short_run_is_reported_as_malformed() -> None:
    search = search_order_number("订单号 12345")
    assert search.order_number is None
    assert search.malformed == "12345"
