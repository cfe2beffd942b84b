"""The assistant's intent classifier on the short messages shoppers really type.

Cross-validation scores the long, well-formed examples; these one-liners are where a
classifier that learned message length fails (Rasa's LogisticRegressionClassifier sent
"电饭煲不加热" to ``deny``). Each must come out as its intent, above the fallback threshold,
from the real Rasa server (``/model/parse``) with the trained model and bot/config.yml.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Servers, http_json

pytestmark = pytest.mark.e2e

MUST_GET_RIGHT: tuple[tuple[str, str], ...] = (
    ("我要投诉", "complain"),
    ("电饭煲不加热", "complain"),
    ("快递丢了", "complain"),
    ("东西坏了", "complain"),
    ("退款还没到", "complain"),
    ("质量太差", "complain"),
    ("发错货了", "complain"),
    ("衣服掉色", "complain"),
    ("三天没物流", "complain"),
    ("屏幕碎了", "complain"),
    ("包裹破了", "complain"),
    ("充电器冒烟了", "complain"),
    ("少了一件", "complain"),
    ("怎么还没发货", "complain"),
    ("被骗了", "complain"),
    ("转人工", "request_human"),
    ("人工客服", "request_human"),
    ("轉人工", "request_human"),
    ("我要找真人", "request_human"),
    ("我的投诉到哪了", "check_progress"),
    ("进度呢", "check_progress"),
    ("投訴處理得怎麼樣了", "check_progress"),
    ("谢谢", "thanks"),
    ("謝謝你", "thanks"),
    ("好的", "affirm"),
    ("对的", "affirm"),
    ("不是", "deny"),
    ("不对", "deny"),
    ("5分", "rate_service"),
    ("你好", "greet"),
    ("在吗", "greet"),
    ("再见", "goodbye"),
    ("你是机器人吗", "bot_challenge"),
    ("没有订单号", "no_order_number"),
    ("订单号2024112212345678", "give_order_number"),
    ("今天天气怎么样", "out_of_scope"),
    ("你能做什么", "ask_capabilities"),
)


@pytest.mark.parametrize(("text", "intent"), MUST_GET_RIGHT)
def test_short_message_gets_its_intent(servers: Servers, text: str, intent: str) -> None:
    parsed = http_json("POST", servers.rasa_api("/model/parse"), {"text": text})
    assert parsed["intent"]["name"] == intent, parsed["intent_ranking"][:3]
