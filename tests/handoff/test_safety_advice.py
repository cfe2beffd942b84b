"""First-aid advice for the guide's safety and health trigger: chosen by the message's words."""

from __future__ import annotations

import pytest

from handoff.safety_advice import DISCLAIMER, STOP_USING, safety_advice

SAFETY = ["safety_health:rule:烫伤"]


def test_only_the_safety_trigger_gets_advice() -> None:
    assert safety_advice("我要去12315投诉你们", ["external_threat:rule:12315"]) is None
    assert safety_advice("孩子烫伤了", []) is None
    model_only = safety_advice("宝宝嘴唇发紫", ["safety_health:model:0.97"])
    assert model_only is not None


@pytest.mark.parametrize(
    ("text", "must_say"),
    [
        ("孩子的手被烫伤了", ["流动的凉水", "20 分钟", "不要用冰块", "尽快就医"]),
        ("宝宝喝了奶粉以后嘴唇发紫 呼吸困难", ["立即拨打 120"]),
        ("孩子误吞了遥控器里的纽扣电池", ["立即拨打 120", "不要催吐"]),
        ("充电宝充电时冒烟了", ["拔掉电源", "119"]),
        ("插座漏电，被电了一下", ["断开电源", "不要直接用手"]),
        ("用了面霜脸上过敏起疹子", ["清水冲洗", "120"]),
    ],
)
def test_the_words_choose_the_lines(text: str, must_say: list[str]) -> None:
    advice = safety_advice(text, SAFETY)
    assert advice is not None
    for words in must_say:
        assert words in advice.text, advice.text
    # Always: stop using it, unplug it, not a diagnosis, 120.
    assert STOP_USING in advice.text and DISCLAIMER in advice.text
    assert "不能代替医生的诊断" in advice.text


def test_a_swallowed_battery_is_not_also_an_ordinary_swallowed_object() -> None:
    advice = safety_advice("孩子吞了一颗纽扣电池", SAFETY)
    assert advice is not None and advice.topics == ("battery_swallowed",)


def test_advice_stays_short_and_says_nothing_about_fault() -> None:
    advice = safety_advice("充电宝冒烟起火，孩子手烫伤起泡，现在呼吸困难，还割伤流血了", SAFETY)
    assert advice is not None
    assert len(advice.topics) <= 3 and len(advice.text) < 400
    for admission in ("我们的责任", "质量问题导致", "赔偿", "诊断为"):
        assert admission not in advice.text
