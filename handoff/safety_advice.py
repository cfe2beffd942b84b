"""First-aid guidance a shopper gets at once when a message names a safety or health problem.

The guide's first urgency trigger (``safety_health`` in ``../shared/triage-labels.md``: injury,
burn, fire, smoke, electric shock, poisoning, allergy, a swallowed object) means a person may
be hurt *now*, and the wait for an agent can be up to an hour. So beside the handoff notice
the shopper reads a few short, standard first-aid lines, chosen by the words of the message.

The wording is deliberately careful, because a shop publishes it: it is general safety
advice, not a diagnosis; it never says what happened or who is at fault; it always points to
the emergency numbers (120 ambulance, 119 fire) and to a doctor; and it admits nothing. The
lines follow common first-aid teaching (cool a burn under running water for 20 minutes, no
ice or home remedies; a swallowed button battery is an emergency, do not make the child
vomit; cut the power before touching someone who had a shock).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.chat_models import Message
from handoff.clock import as_utc, utc_now

#: The reason prefix of the guide's safety and health trigger (see ``TriageSummary.reasons``).
SAFETY_TRIGGER: Final = "safety_health"

HEADER: Final = "【安全提示】在等待客服的同时，请先注意以下几点："
STOP_USING: Final = "请立即停止使用这件商品；如果是电器，请在确保安全的前提下拔掉电源。"
DISCLAIMER: Final = (
    "以上是通用的安全建议，不能代替医生的诊断。情况严重或拿不准时，请直接拨打 120 急救电话"
    "或尽快就医。商品和包装请先保留，方便后续核实处理。"
)


@dataclass(frozen=True)
class Topic:
    """One kind of danger: the words that name it, and what to do about it."""

    name: str
    pattern: re.Pattern[str]
    advice: str


def _topic(name: str, regex: str, advice: str) -> Topic:
    return Topic(name=name, pattern=re.compile(regex), advice=advice)


#: Most urgent first: the order in which the lines are shown.
TOPICS: Final[tuple[Topic, ...]] = (
    _topic(
        "breathing",
        r"呼吸困难|喘不(上|过)气|上不来气|憋气|嘴唇发紫|脸色发紫|发紫|发青|窒息|卡喉|卡住喉咙"
        r"|昏迷|晕倒|昏倒|抽搐|意识不清|叫不醒",
        "如果出现呼吸困难、嘴唇发紫、意识不清或抽搐，请立即拨打 120。",
    ),
    _topic(
        "battery_swallowed",
        r"(误吞|吞下|吞了|吞进|误食|咽下|咽了|吃进|吃了|吃下).{0,8}(电池|纽扣|磁铁|磁珠)"
        r"|(电池|纽扣|磁铁|磁珠).{0,8}(误吞|吞下|吞了|吞进|误食|咽下|咽了|吃进|吃了|吃下)",
        "如果误吞了电池（特别是纽扣电池）或磁铁，请立即拨打 120 或马上去医院急诊，"
        "不要催吐，也不要等出现症状再去。",
    ),
    _topic(
        "swallowed",
        r"误吞|吞下|吞了|吞进|误食|咽下去|呛到",
        "如果误吞了小零件等异物，请尽快就医，不要催吐；出现呛咳不止或呼吸困难，请立即拨打 120。",
    ),
    _topic(
        "burn",
        r"烫伤|烧伤|灼伤|烫到|烫红|烫起|起泡|水泡|烧到",
        "烫伤、烧伤：马上用流动的凉水冲洗伤处约 20 分钟，不要用冰块，不要涂牙膏、酱油等；"
        "不要弄破水泡。伤处面积大、起水泡，或伤在脸部、手部、孩子身上，请尽快就医。",
    ),
    _topic(
        "fire",
        r"起火|着火|火灾|冒烟|冒火|烧焦|爆炸|自燃|炸开|爆燃|鼓包|发烫|漏液",
        "冒烟、发烫或鼓包：请远离并拔掉电源，把它放在远离易燃物的地方，不要继续充电；"
        "已经起火请先离开现场并拨打 119。",
    ),
    _topic(
        "shock",
        r"触电|漏电|电到|电了一下|被电",
        "触电：请先断开电源（拔插头或关闭总闸），不要直接用手去拉触电的人；"
        "如有昏迷、呼吸或心跳异常，请立即拨打 120。",
    ),
    _topic(
        "allergy",
        r"过敏|红肿|起疹|疹子|皮疹|起红点|烂脸|脸肿|瘙痒|发痒",
        "过敏：请停止使用，用清水冲洗接触的部位；如出现呼吸困难、嘴唇或喉咙肿胀，请立即拨打 120。",
    ),
    _topic(
        "poison",
        r"中毒|有毒|呕吐|上吐下泻|拉肚子|腹泻|肚子疼|肚子痛|吃坏",
        "身体不适：请停止食用或使用，保留剩下的商品；症状明显，或是孩子、老人、孕妇，请尽快就医。",
    ),
    _topic(
        "wound",
        r"受伤|伤到|弄伤|划伤|割伤|划破|扎伤|刮伤|流血|出血",
        "外伤：用干净的纱布或毛巾按压伤口止血；伤口深、流血不止，请尽快就医。",
    ),
)
#: At most this many topic lines, so that the advice stays short enough to read at once.
MAX_TOPIC_LINES: Final = 3


def is_safety_problem(reasons: Sequence[str]) -> bool:
    """Whether the triage named the guide's safety and health trigger (a rule or the model)."""
    return any(reason.split(":", 1)[0] == SAFETY_TRIGGER for reason in reasons)


def matching_topics(text: str) -> list[Topic]:
    """The topics the message's words name, most urgent first."""
    found = [topic for topic in TOPICS if topic.pattern.search(text)]
    if any(t.name == "battery_swallowed" for t in found):
        found = [t for t in found if t.name != "swallowed"]
    return found[:MAX_TOPIC_LINES]


@dataclass(frozen=True)
class SafetyAdvice:
    """What the shopper is told, and which topics it covers (so it is not repeated)."""

    text: str
    topics: tuple[str, ...]


def safety_advice(text: str, reasons: Sequence[str]) -> SafetyAdvice | None:
    """First-aid lines for a message the triage judged a safety or health problem, else None.

    Any safety message gets the general lines (stop using it, unplug it, the disclaimer with
    120); the words of the message add the specific ones (a burn, breathing trouble...).
    """
    if not is_safety_problem(reasons):
        return None
    topics = matching_topics(text)
    lines = [HEADER, f"1. {STOP_USING}"]
    lines += [f"{n}. {topic.advice}" for n, topic in enumerate(topics, start=2)]
    lines.append(DISCLAIMER)
    return SafetyAdvice(text="\n".join(lines), topics=tuple(t.name for t in topics) or ("general",))


#: Advice already given in the conversation this recently is not repeated for the same topics.
REPEAT_AFTER: Final = timedelta(hours=2)
#: The ``custom`` payload that marks a stored message as safety advice.
ADVICE_KIND: Final = "safety_advice"


def advice_to_send(
    session: Session,
    conversation_id: str,
    advice: SafetyAdvice,
    *,
    now: datetime | None = None,
) -> bool:
    """Whether ``advice`` says something the conversation was not told in the last hours.

    A shopper who writes three messages about one burn reads the advice once; a new danger
    (the child now has trouble breathing) gets its lines at once.
    """
    since = (as_utc(now) if now is not None else utc_now()) - REPEAT_AFTER
    told: set[str] = set()
    for payload in session.scalars(
        select(Message.payload).where(
            Message.conversation_id == conversation_id,
            Message.sender == "bot",
            Message.created_at >= since,
        )
    ):
        custom = (payload or {}).get("custom")
        if isinstance(custom, dict) and custom.get("kind") == ADVICE_KIND:
            told.update(str(t) for t in custom.get("topics") or [])
    if told and advice.topics == ("general",):
        return False  # the general lines came with the earlier advice
    return not set(advice.topics) <= told
