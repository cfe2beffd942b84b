"""Normalisation: one spelling per word, and no digits of orders or phones left to learn from."""

import pytest

from triage_model.normalize import mask_personal_data, normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＡＢＣ１２，！", "abc12,!"),  # full-width → half-width, lower-case
        ("收到的貨有問題", "收到的货有问题"),  # Traditional → Simplified
        ("退款還沒到賬", "退款还没到账"),
    ],
)
def test_canonical_spelling(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    "order",
    ["2024112212345678", "2024 1122 1234 5678", "2024-1122-1234-5678", "１２３４５６７８９０１２"],
)
def test_order_numbers_become_a_placeholder(order: str) -> None:
    assert normalize(f"订单号{order}还没发货") == "订单号 ORDERNO 还没发货"


@pytest.mark.parametrize("phone", ["13812345678", "138-1234-5678", "+86 13812345678"])
def test_phone_numbers_become_a_placeholder(phone: str) -> None:
    assert normalize(f"电话{phone}") == "电话 PHONENO"


@pytest.mark.parametrize(
    "case",
    [
        "TS241123-7KQ3",
        "ts241123-7kq3",
        "TS241123 7KQ3",
        "TS2411237KQ3",
        "ＴＳ２４１１２３－７ＫＱ３",
    ],
)
def test_case_numbers_become_a_placeholder(case: str) -> None:
    # Not "NUM6": a six-digit number reads as a large amount of money to the urgency rules.
    assert normalize(f"我的工单{case}处理到哪了") == "我的工单 CASENO 处理到哪了"


def test_links_and_tracking_numbers_become_placeholders() -> None:
    text = normalize("看这里 https://shop.example.com/item?id=1 单号SF1234567890123")
    assert text == "看这里 URLLINK 单号 TRACKNO"


def test_meaningful_numbers_stay_and_amounts_keep_only_their_magnitude() -> None:
    assert "12315" in normalize("我要打12315")
    assert normalize("花了5999元") == "花了 NUM4 元"
    assert normalize("第3次") == "第3次"


def test_control_characters_are_removed() -> None:
    assert normalize("快递\x00没\x07到\u200b") == "快递没到"


def test_logs_mask_phone_numbers() -> None:
    assert mask_personal_data("打我电话13812345678或+86 139-1234-5678") == (
        "打我电话138****5678或139****5678"
    )


@pytest.mark.parametrize(
    ("exported", "expected"),
    [
        (
            "咨询订单号:[ORDERID_10186243] 订单金额:[金额x] 下单时间:[日期x] [时间x] 还没送到",
            "咨询订单号: ORDERNO 订单金额:几 下单时间: 还没送到",
        ),
        ("被骗了[数字x]万 #E-s[数字x]", "被骗了几万"),
        ("打[电话x]改到[地址x]", "打 PHONENO 改到地址"),
        ("[链接x] 这个[站点x]不送", "URLLINK 这个站点不送"),
        ("[姓名x]签收了[數字x]天了", "签收了几天了"),  # Traditional marks read the same
    ],
)
def test_a_platform_exports_marks_read_as_what_they_hide(exported: str, expected: str) -> None:
    """Exported chats hide numbers and names behind marks; none of them may reach the model
    as English letters ("orderid", "e-s") it never saw in training."""
    assert normalize(exported) == expected


def test_brackets_that_are_no_export_mark_stay() -> None:
    assert normalize("【官方正品】冰丝裤[赠品]") == "【官方正品】冰丝裤[赠品]"
