"""Behaviour of the trained model: invariances and must-get-right messages.

These use the model ``make train`` builds from ``nlu_data/triage/train``; none of the texts
below is in the training data (``test_dataset`` checks that).
"""

from __future__ import annotations

import functools

import pytest

from triage_model.predictor import TriageModel


@functools.lru_cache(maxsize=1)
def _to_traditional() -> object:
    import opencc

    return opencc.OpenCC("s2t")


def traditional(text: str) -> str:
    converted: str = _to_traditional().convert(text)  # type: ignore[attr-defined]
    return converted


BASE_MESSAGES = [
    "买的电饭煲用了两次就不加热了",
    "快递三天了物流一直没更新",
    "退货寄回去十天了还没退款",
    "优惠券为什么用不了",
    "收到的裙子和图片颜色差很多",
    "包裹外箱被压扁了里面的杯子碎了",
    "申请换货商家一直不同意",
    "账号登录不上去一直提示密码错误",
    "热水壶烧水的时候漏电，手被电了一下",
    "这是我第三次找客服了，退款还是没到账",
]

VARIANTS = [
    ("order number", lambda t: f"{t}，订单号 2024112212345678"),
    ("grouped order number", lambda t: f"订单 2024-1122-1234-5678：{t}"),
    ("phone number", lambda t: f"{t}，我电话13812345678"),
    ("Traditional", traditional),
    ("punctuation and emoji", lambda t: f"{t}！！！😡😡"),
    ("full-width", lambda t: f"{t}！！？"),
]


@pytest.mark.parametrize("text", BASE_MESSAGES)
@pytest.mark.parametrize(("variant", "change"), VARIANTS, ids=[v[0] for v in VARIANTS])
def test_label_is_invariant(model: TriageModel, text: str, variant: str, change: object) -> None:
    base = model.predict(text)
    changed = model.predict(change(text))  # type: ignore[operator]
    assert (changed.category, changed.urgency) == (base.category, base.urgency), variant


MUST_GET_RIGHT = [
    ("quality", "耳机左边没声音，我要退货"),  # the root problem wins over the remedy
    ("quality", "衣服洗了一次就严重掉色起球"),
    ("quality", "收到的口红是假货，和专柜的完全不一样"),
    ("quality", "奶粉打开发现结块还有异味，生产日期都过期了"),
    ("logistics", "显示已签收但我根本没收到包裹"),
    ("logistics", "买了三件只发了两件，少件了"),
    ("logistics", "付款一个星期了还没发货"),
    ("logistics", "箱子被快递压扁了，里面的碗摔碎了"),
    ("after_sales", "退货寄回去十天了还没退款"),
    ("after_sales", "申请开发票一直没人处理"),
    ("after_sales", "保修期内维修还要收我钱"),
    ("after_sales", "客服态度很差，问什么都不回"),
    ("other", "付了两次钱，重复扣款了"),
    ("other", "优惠券领了用不了，满减也没算上"),
    ("other", "买完第二天就降价了，能不能价保"),
    ("other", "登录的时候一直收不到验证码"),
]


@pytest.mark.parametrize(("category", "text"), MUST_GET_RIGHT)
def test_must_get_right_category(model: TriageModel, category: str, text: str) -> None:
    assert model.predict(text).category == category


URGENT = [
    ("safety_health", "电热毯用了一晚上冒烟了，差点着火"),
    ("safety_health", "孩子吃了你们的饼干上吐下泻，现在在医院"),
    ("external_threat", "今天不给我解决我就去12315投诉"),
    ("external_threat", "我要把这事发到小红书和微博上曝光你们"),
    ("fraud_security", "我没买过东西，账户却被扣了两千块"),
    ("fraud_security", "有人冒充你们客服打电话让我转账"),
    ("repeated_failure", "这已经是我第四次联系客服了，每次都说会处理"),
    ("repeated_failure", "退款拖了一个多月了到现在还没解决"),
    ("large_loss", "一万多的笔记本电脑快递弄丢了"),
    ("large_loss", "买的胰岛素还没送到，家里老人等着用"),
    ("severe_distress", "被你们逼得我真的不想活了"),
    ("severe_distress", "再不处理我就找上门去跟你们拼了"),
]


@pytest.mark.parametrize(("trigger", "text"), URGENT)
def test_must_get_right_urgent(model: TriageModel, trigger: str, text: str) -> None:
    prediction = model.predict(text)
    assert prediction.urgency == "urgent"
    assert trigger in {reason.trigger for reason in prediction.reasons}


NOT_URGENT = [
    "还好没有受伤，就是杯子碎了想换一个",
    "不会去12315的，就想换个尺码",
    "之前的问题已经解决了，这次想问一下发票怎么开",
    "孩子没有吞下去，只是玩具的零件掉了",
    "快递比预计晚了一天到，有点不开心",
    "衣服有个线头，不影响穿",
    # Ordinary chat the gateway screens too: progress questions, thanks, asking for a person.
    "我的投诉现在是什么情况了",
    "上次说孩子吃了拉肚子的事已经解决了，谢谢关心",
    "好的，麻烦你们了",
    "謝謝你們的幫忙，再見",
    "我要跟真人客服说",
]


@pytest.mark.parametrize("text", NOT_URGENT)
def test_negation_and_mild_annoyance_are_normal(model: TriageModel, text: str) -> None:
    assert model.predict(text).urgency == "normal"


def test_scores_are_probabilities(model: TriageModel) -> None:
    prediction = model.predict("快递三天没动了")
    assert 0.0 <= prediction.urgency_score <= 1.0
    assert 0.0 <= prediction.category_confidence <= 1.0
    assert abs(sum(prediction.category_probabilities.values()) - 1.0) < 1e-6


@pytest.mark.parametrize(
    "text",
    ["谢谢", "好的", "我的投诉处理到哪了", "人工客服在吗", "工单TS241123-7KQ3有进展了吗", "再见"],
)
def test_chat_turns_are_not_complaints(model: TriageModel, text: str) -> None:
    prediction = model.predict(text)
    assert not prediction.is_complaint, prediction.complaint_score
    assert prediction.urgency == "normal"
    assert prediction.category in {"quality", "logistics", "after_sales", "other"}  # contract


@pytest.mark.parametrize(
    ("category", "text"),
    [
        ("logistics", "你好 帮我看看这个订单 一直没收到货"),  # real style, as in the issue
        ("logistics", "咨询订单号:12345678901 订单金额:99.00 下单时间:2024-03-02 还没送到"),
        ("logistics", "在吗 快递咋还没到 都一礼拜了"),
        ("quality", "亲 衣服洗了一次就掉色 咋回事"),
        ("after_sales", "退款申请了五天了 钱咋还没到账"),
    ],
)
def test_real_style_complaints_are_complaints(model: TriageModel, category: str, text: str) -> None:
    prediction = model.predict(text)
    assert prediction.is_complaint
    assert prediction.category == category


def test_an_urgent_chat_opening_is_a_complaint(model: TriageModel) -> None:
    prediction = model.predict("在吗？宝宝喝了奶粉嘴唇发紫，吐了好几次")
    assert prediction.urgency == "urgent"
    assert prediction.is_complaint  # an urgent message is always one to act on
