"""The closed value sets of the case store, shared by the models, the migrations and the code.

They live apart from the models so that a migration can import them without importing the
ORM classes (a migration must describe the schema of its own revision, not today's models;
when a set changes, the new migration copies the new tuple instead of editing an old one).
Category and urgency follow ../shared/triage-labels.md and come from ``triage_model.labels``.
"""

from typing import Final

from triage_model.labels import CATEGORIES, URGENCIES

__all__ = [
    "ACTORS_FIXED",
    "CASE_STATUSES",
    "CATEGORIES",
    "EVENT_KINDS",
    "ORDER_STATUSES",
    "PRIORITIES",
    "QUEUE_ACTIVE_STATUSES",
    "QUEUE_STATUSES",
    "RESOLUTIONS",
    "URGENCIES",
]

#: Order states as the shop's order system names them (Chinese, shown to shoppers as-is).
ORDER_STATUSES: Final = ("待发货", "运输中", "已签收", "已完成", "退款中")

#: ``open`` until an agent claims it, ``in_progress`` while one works on it,
#: ``pending_shopper`` while we wait for the shopper, ``resolved`` when a resolution is recorded.
CASE_STATUSES: Final = ("open", "in_progress", "pending_shopper", "resolved")

RESOLUTIONS: Final = ("refund", "return", "exchange", "compensation", "explanation", "other")

PRIORITIES: Final = ("urgent", "normal")

QUEUE_STATUSES: Final = ("waiting", "claimed", "done")

#: Queue states in which a conversation already has a human (or is about to get one): at most
#: one entry per conversation may be in these states, enforced by a partial unique index.
QUEUE_ACTIVE_STATUSES: Final = ("waiting", "claimed")

EVENT_KINDS: Final = (
    "opened",
    "handed_to_human",
    "priority_raised",
    "claimed",
    "first_response",
    "status_changed",
    "triage_corrected",
    "note",
    "resolved",
    "reopened",
    "rated",
)

#: Actors without a name; agents are written ``agent:<name>``.
ACTORS_FIXED: Final = ("bot", "shopper", "system")
