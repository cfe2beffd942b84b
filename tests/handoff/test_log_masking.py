"""The one PII logging filter (issue 9): phone numbers in every common form, street
addresses and URL credentials are masked before a record is written, by any logger."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from handoff import log_masking
from handoff.log_masking import install_log_masking, mask_text

PHONES = [
    "13812345678",
    "138-1234-5678",
    "138.1234.5678",
    "138 1234 5678",
    "+86 138 1234 5678",
    "+8613812345678",
    "0086-138-1234-5678",
    "86 13812345678",
    "(+86)13812345678",
    "１３８１２３４５６７８",
    "１３８－１２３４－５６７８",
]


@pytest.mark.parametrize("phone", PHONES)
def test_every_form_of_a_mobile_number_is_masked(phone: str) -> None:
    masked = mask_text(f"电话{phone}，谢谢")
    assert masked == "电话138****5678,谢谢"


@pytest.mark.parametrize("landline", ["010-87654321", "0755 1234567", "(0755)12345678"])
def test_landlines_are_masked(landline: str) -> None:
    assert "1234567" not in mask_text(landline) and "8765432" not in mask_text(landline)


@pytest.mark.parametrize(
    "address",
    [
        "上海市浦东新区张江路123号5栋2单元301室",
        "北京市朝阳区阜通东大街6号院3号楼",
        "杭州市西湖区翠苑小区5栋2单元301室",
        "深圳市南山区深南大道9988号",
        "广州市天河区体育西路１０３号",
    ],
)
def test_street_addresses_are_masked(address: str) -> None:
    masked = mask_text(f"寄到{address}，麻烦了")
    assert "[地址]" in masked
    assert not any(part in masked for part in ("123号", "6号", "5栋", "9988号", "103号"))


def test_order_and_case_numbers_stay_readable() -> None:
    text = "订单号 2024112212345678, 工单 TS241122-7KQ3"
    assert mask_text(text) == text


def test_credentials_in_urls_are_masked() -> None:
    masked = mask_text("GET /ws?shopper=a&sig=1712.abc&anon=anon-1.ff&token=x /attachments/1?t=9f")
    assert "abc" not in masked and "anon-1" not in masked and "9f" not in masked
    assert "sig=***" in masked and "t=***" in masked


@pytest.fixture
def masked_logger() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    previous = logging.getLogRecordFactory()
    log_masking._installed.clear()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("test.log_masking")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    install_log_masking()
    yield logger, stream
    logger.removeHandler(handler)
    logging.setLogRecordFactory(previous)
    log_masking._installed.clear()


def test_records_are_masked_whatever_the_logger_args_or_traceback(
    masked_logger: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = masked_logger
    logger.info("shopper said %s", "我的电话 138.1234.5678")
    logger.info("request", extra={"request": "GET /ws?sig=1712.deadbeef"})
    try:
        raise ValueError("地址 上海市浦东新区张江路123号5栋")
    except ValueError:
        logger.exception("turn failed for +86 139 8765 4321")
    written = stream.getvalue()
    assert "1234.5678" not in written and "8765 4321" not in written
    assert "张江路123号" not in written and "[地址]" in written
    assert "138****5678" in written and "139****4321" in written
