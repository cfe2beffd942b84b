"""Deadline targets and business hours as settings."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from handoff.clock import CHINA_TZ
from handoff.deadlines.policy import DeadlinePolicy, PolicyError, parse_duration

FRIDAY_2000 = datetime(2024, 11, 22, 20, 0, tzinfo=CHINA_TZ)


def test_the_default_policy_matches_the_deadlines_shoppers_are_told() -> None:
    policy = DeadlinePolicy()
    start = datetime(2024, 11, 25, 2, 0, tzinfo=timezone.utc)
    assert policy.window("first_response", "normal", start) == (
        start + timedelta(hours=19, minutes=12),
        start + timedelta(hours=24),
    )
    assert policy.window("first_response", "urgent", start)[1] == start + timedelta(hours=1)


def test_normal_cases_count_business_hours_only_and_skip_the_weekend() -> None:
    policy = DeadlinePolicy.from_env(
        {
            "HANDOFF_BUSINESS_HOURS": "09:00-21:00",
            "HANDOFF_BUSINESS_DAYS": "1-5",
            "HANDOFF_SLA_NORMAL": "first=4h,next=30m,resolution=2d",
        }
    )
    warn, due = policy.window("first_response", "normal", FRIDAY_2000)
    # One open hour on Friday evening, then Monday from 09:00: three more hours.
    assert due.astimezone(CHINA_TZ) == datetime(2024, 11, 25, 12, 0, tzinfo=CHINA_TZ)
    assert warn.astimezone(CHINA_TZ) == datetime(2024, 11, 25, 11, 12, tzinfo=CHINA_TZ)
    # Urgent cases run around the clock whatever the hours.
    assert policy.window("first_response", "urgent", FRIDAY_2000)[1] == FRIDAY_2000 + timedelta(
        hours=1
    )


def test_a_case_opened_before_opening_time_starts_counting_at_opening() -> None:
    policy = DeadlinePolicy.from_env({"HANDOFF_BUSINESS_HOURS": "09:00-18:00"})
    start = datetime(2024, 11, 26, 7, 30, tzinfo=CHINA_TZ)
    _, due = policy.window("next_response", "normal", start)
    assert due.astimezone(CHINA_TZ) == datetime(2024, 11, 26, 11, 0, tzinfo=CHINA_TZ)


@pytest.mark.parametrize(
    ("env", "word"),
    [
        ({"HANDOFF_BUSINESS_HOURS": "21:00-09:00"}, "close before"),
        ({"HANDOFF_BUSINESS_HOURS": "nine to five"}, "09:00-21:00"),
        ({"HANDOFF_BUSINESS_DAYS": "0-8"}, "Monday"),
        ({"HANDOFF_SLA_URGENT": "first=soon"}, "duration"),
        ({"HANDOFF_SLA_URGENT": "lunch=1h"}, "unknown SLA target"),
    ],
)
def test_malformed_settings_fail_with_the_reason(env: dict[str, str], word: str) -> None:
    with pytest.raises(PolicyError, match=word):
        DeadlinePolicy.from_env(env)


def test_durations() -> None:
    assert parse_duration("1h30m") == timedelta(minutes=90)
    assert parse_duration("1.5d") == timedelta(hours=36)
    with pytest.raises(PolicyError):
        parse_duration("0m")
