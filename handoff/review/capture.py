"""What enters the inbox, and why: the reasons an item is captured, and folding it in.

Intent items come from the assistant's own parse of each shopper message (Rasa's
``parse_data``, read by :mod:`handoff.review.harvest`): the top intent below the fallback
threshold, within a small margin of the second, answered by the fallback, or the message
before a shopper rephrased or asked for a human. Triage items come from the gateway's
screening of every message (low category confidence, urgency score near the model's
threshold) and from every agent correction of a case's category or urgency, which is
already a label: it arrives pre-filled in ``suggested``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from handoff.clock import as_utc, utc_now
from handoff.conflicts import insert_unless_duplicate
from handoff.review.folding import fold_key
from handoff.review.masking import mask_for_review
from handoff.review.models import REASONS, ReviewItem

#: The assistant's FallbackClassifier settings (bot/config.yml; a test keeps them equal).
FALLBACK_THRESHOLD: Final = 0.45
#: Top two intents closer than this are "ambiguous" (wider than the classifier's own 0.05:
#: the inbox wants the near misses too, not only the messages the fallback caught).
AMBIGUITY_MARGIN: Final = 0.10
FALLBACK_INTENT: Final = "nlu_fallback"
#: Intents that say "a person, please" (the message before one is worth a look).
HUMAN_INTENTS: Final = frozenset({"request_human"})
#: A next message this similar to the previous one (and not the same) is a rephrasing.
REPHRASE_SIMILARITY: Final = 0.5
#: Category confidence below this is "low".
LOW_CATEGORY_CONFIDENCE: Final = 0.60
#: An urgency score this close to the model's threshold (either side) is "borderline".
URGENCY_BORDER: Final = 0.10
MAX_TEXT_CHARS: Final = 2000


@dataclass(frozen=True)
class IntentGuess:
    """What the assistant made of one message: its best real intent and the runner-up."""

    intent: str
    confidence: float
    second: str | None
    second_confidence: float
    fallback: bool
    ranking: tuple[tuple[str, float], ...]

    def predicted(self) -> dict[str, Any]:
        """The prediction as an inbox item stores it."""
        return {
            "intent": self.intent,
            "intent_confidence": round(self.confidence, 4),
            "fallback": self.fallback,
            "ranking": [{"name": n, "confidence": round(c, 4)} for n, c in self.ranking[:5]],
        }


def intent_guess(parse_data: Mapping[str, Any]) -> IntentGuess | None:
    """Read Rasa's ``parse_data``; None when it has no intent (an image, an empty text).

    With the FallbackClassifier the top of the ranking is ``nlu_fallback``: the guess is then
    the best real intent under it, and ``fallback`` is set.
    """
    raw = parse_data.get("intent_ranking") or []
    ranking: list[tuple[str, float]] = []
    for entry in raw:
        if isinstance(entry, Mapping) and isinstance(entry.get("name"), str):
            ranking.append((entry["name"], float(entry.get("confidence") or 0.0)))
    top = parse_data.get("intent") or {}
    top_name = top.get("name") if isinstance(top, Mapping) else None
    fallback = top_name == FALLBACK_INTENT or any(n == FALLBACK_INTENT for n, _ in ranking[:1])
    real = [(n, c) for n, c in ranking if n != FALLBACK_INTENT]
    if not real:
        if isinstance(top_name, str) and top_name and top_name != FALLBACK_INTENT:
            real = [(top_name, float(top.get("confidence") or 0.0))]
        else:
            return None
    real.sort(key=lambda pair: -pair[1])
    second = real[1] if len(real) > 1 else (None, 0.0)
    return IntentGuess(
        intent=real[0][0],
        confidence=real[0][1],
        second=second[0],
        second_confidence=second[1],
        fallback=fallback,
        ranking=tuple(real),
    )


def intent_reasons(guess: IntentGuess) -> list[str]:
    """The reasons a message's own parse puts it in the inbox (maybe none)."""
    reasons = []
    if guess.fallback:
        reasons.append("fallback")
    if guess.confidence < FALLBACK_THRESHOLD:
        reasons.append("low_confidence")
    if guess.second is not None and guess.confidence - guess.second_confidence < AMBIGUITY_MARGIN:
        reasons.append("ambiguous")
    return reasons


def follow_up_reasons(previous_text: str, next_text: str, next_intent: str | None) -> list[str]:
    """Reasons the *previous* message gets from the one after it: a rephrasing, 转人工."""
    reasons = []
    if next_intent in HUMAN_INTENTS:
        reasons.append("asked_for_human")
    a, b = fold_key(previous_text), fold_key(next_text)
    if a != b and difflib.SequenceMatcher(None, a, b).ratio() >= REPHRASE_SIMILARITY:
        reasons.append("rephrased")
    return reasons


def intent_uncertainty(guess: IntentGuess) -> float:
    """1 − confidence: the sort weight of an intent item."""
    return round(min(max(1.0 - guess.confidence, 0.0), 1.0), 4)


def triage_reasons(category_confidence: float, urgency_score: float, threshold: float) -> list[str]:
    """Why a screened message is worth a trainer's look (maybe not at all)."""
    reasons = []
    if category_confidence < LOW_CATEGORY_CONFIDENCE:
        reasons.append("low_category_confidence")
    if abs(urgency_score - threshold) <= URGENCY_BORDER:
        reasons.append("urgency_borderline")
    return reasons


def triage_uncertainty(category_confidence: float, urgency_score: float, threshold: float) -> float:
    """The larger of category doubt and urgency closeness, 0..1."""
    closeness = 1.0 - min(abs(urgency_score - threshold) / max(URGENCY_BORDER * 5, 1e-6), 1.0)
    return round(min(max(1.0 - category_confidence, closeness, 0.0), 1.0), 4)


def _ordered(reasons: Iterable[str]) -> list[str]:
    wanted = set(reasons)
    unknown = wanted - set(REASONS)
    if unknown:
        raise ValueError(f"unknown review reason(s) {sorted(unknown)}")
    return [reason for reason in REASONS if reason in wanted]


def record_item(
    session: Session,
    *,
    kind: str,
    text: str,
    reasons: Sequence[str],
    predicted: dict[str, Any],
    uncertainty: float,
    conversation_id: str | None = None,
    source: str | None = None,
    suggested: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> ReviewItem | None:
    """Add a message to the inbox or fold it into the item with the same normalised text.

    A repeat raises ``count`` (in SQL, so two processes never lose one), adds its reasons
    and keeps the latest prediction, conversation and suggestion. A labelled or ignored item
    stays so: the trainer has decided about that text already. Returns None for text with
    nothing to review (empty after masking).
    """
    ordered = _ordered(reasons)
    shown = mask_for_review(text).strip()[:MAX_TEXT_CHARS]
    if not ordered or not shown:
        return None
    key = fold_key(shown)
    at = as_utc(now) if now is not None else utc_now()
    values: dict[str, Any] = {
        "kind": kind,
        "fold_key": key,
        "text": shown,
        "conversation_id": conversation_id,
        "source": source,
        "reason": ordered[0],
        "reasons": ordered,
        "count": 1,
        "uncertainty": float(min(max(uncertainty, 0.0), 1.0)),
        "first_seen_at": at,
        "last_seen_at": at,
        "predicted": predicted,
        "suggested": suggested,
        "status": "open",
        "label": None,
    }
    inserted = insert_unless_duplicate(session, ReviewItem, values)
    if not inserted:
        session.execute(
            update(ReviewItem)
            .where(ReviewItem.kind == kind, ReviewItem.fold_key == key)
            .values(count=ReviewItem.count + 1)
        )
    item = session.scalars(
        select(ReviewItem)
        .where(ReviewItem.kind == kind, ReviewItem.fold_key == key)
        .execution_options(populate_existing=True)
    ).one()
    if not inserted:
        merged = _ordered([*item.reasons, *ordered])
        item.reasons = merged
        item.reason = merged[0]
        item.uncertainty = max(item.uncertainty, values["uncertainty"])
        item.last_seen_at = max(item.last_seen_at, at)
        item.predicted = predicted
        item.conversation_id = conversation_id or item.conversation_id
        item.source = source or item.source
        if suggested is not None:
            item.suggested = suggested
    session.flush()
    return item
