"""The most frequent problems of a category: the words and word pairs shoppers use most.

Descriptions are segmented with the triage model's jieba dictionary (shop words included).
Words that only name the product (电饭煲, 手机) are dropped: the question is *what* went
wrong, and the product table already says *which*. Each phrase counts once per case, so one
long rant does not outweigh ten short complaints.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from triage_model.normalize import mask_personal_data, normalize
from triage_model.segment import words

_STOPWORD_TEXT: Final = (
    "我们 你们 他们 一个 一下 一直 还是 就是 没有 什么 怎么 这个 那个 现在 已经 可以 "
    "不是 但是 然后 因为 所以 时候 收到 买的 订单 订单号 商品 东西 问题 客服 谢谢 麻烦 "
    "而且 还有 一次 两天 三天 到现在 根本 直接 明明 好像 特别 感觉 怎么办"
)
#: Words that say nothing about the problem.
STOPWORDS: Final = frozenset(_STOPWORD_TEXT.split())
PHRASES_PER_CATEGORY: Final = 6
EXAMPLES_PER_PHRASE: Final = 2
#: A phrase is skipped when this share of its cases is already covered by a chosen one.
OVERLAP: Final = 0.7


@dataclass(frozen=True)
class Complaint:
    """What the phrase counter needs of a case."""

    case_number: str
    category: str
    description: str
    product: str | None


def _content_words(text: str, product: str | None) -> list[str]:
    product_text = normalize(product or "")
    return [
        w
        for w in words(normalize(text))
        if len(w) >= 2 and w not in STOPWORDS and not w.isdigit() and w not in product_text
    ]


def _phrases(tokens: list[str]) -> dict[str, int]:
    """Each word and each pair of neighbouring words, with how many words it has."""
    found = {token: 1 for token in tokens}
    found.update({f"{a}{b}": 2 for a, b in zip(tokens, tokens[1:])})
    return found


def top_problems(complaints: Iterable[Complaint]) -> dict[str, list[dict[str, Any]]]:
    """Per category, the most frequent phrases with their count and example descriptions.

    Pairs of words score half as much again as single words (物流没更新 says more than 物流),
    and a phrase whose cases are mostly those of a phrase already chosen is skipped: the
    list then names different problems instead of one problem in five spellings.
    """
    cases: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    sizes: dict[str, int] = {}
    listed: list[Complaint] = []
    for index, complaint in enumerate(complaints):
        listed.append(complaint)
        for phrase, size in _phrases(
            _content_words(complaint.description, complaint.product)
        ).items():
            cases[complaint.category][phrase].add(index)
            sizes[phrase] = size
    result: dict[str, list[dict[str, Any]]] = {}
    for category in sorted(cases):
        by_phrase = cases[category]
        ranked = sorted(
            by_phrase,
            key=lambda p: (-len(by_phrase[p]) * (1 + 0.5 * (sizes[p] - 1)), -len(p), p),
        )
        chosen: list[str] = []
        covered: list[set[int]] = []
        for phrase in ranked:
            mine = by_phrase[phrase]
            if len(mine) < 2:
                continue
            if any(len(mine & other) >= OVERLAP * len(mine) for other in covered):
                continue
            chosen.append(phrase)
            covered.append(mine)
            if len(chosen) == PHRASES_PER_CATEGORY:
                break
        result[category] = [
            {
                "phrase": phrase,
                "count": len(by_phrase[phrase]),
                "examples": [
                    {
                        "case_number": listed[i].case_number,
                        "text": mask_personal_data(listed[i].description),
                    }
                    for i in sorted(by_phrase[phrase])[:EXAMPLES_PER_PHRASE]
                ],
            }
            for phrase in chosen
        ]
    return result
