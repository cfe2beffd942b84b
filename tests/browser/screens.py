"""Screenshots of a journey, and the check that a person's screen reads as Chinese.

Every journey saves what it saw under ``reports/screens/`` (to be looked at) and fails when
the agent's screen shows a code of the case store (quality, in_progress…), JSON or an ISO
time: those belong to the API, never to a page.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.servers import ROOT

SCREENS = ROOT / "reports" / "screens"

#: Codes of the case store that must never reach a person's screen.
RAW_CODES = re.compile(
    r"\b(quality|logistics|after_sales|other|urgent|normal|open|in_progress|pending_shopper"
    r"|resolved|refund|return|exchange|compensation|explanation|waiting|claimed|done"
    r"|shopper_request|urgent_message|urgent_complaint|reopened|safety_health"
    r"|external_threat|fraud_security|triage_corrected|handed_to_human|first_response"
    r"|priority_raised|agent:[a-z0-9_.-]+|bot|system)\b"
)
JSON_ON_SCREEN = re.compile(r"[{\[]\s*\"|\":\s*[\"{\[\d]")
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def assert_readable(page: Any, where: str) -> None:
    """What a person reads on ``page`` holds no code, no JSON and no ISO time."""
    text = page.locator("body").inner_text()
    checks = ((RAW_CODES, "a raw code"), (JSON_ON_SCREEN, "JSON"), (ISO_TIME, "an ISO time"))
    for pattern, what in checks:
        found = pattern.search(text)
        assert found is None, f"{where}: the screen shows {what} {found.group(0)!r}:\n{text}"


def save_screen(page: Any, name: str) -> Path:
    """Save the page as it is now as ``reports/screens/<name>.png``."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    path = SCREENS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def console_screenshot(page: Any, name: str, widths: tuple[int, ...] = (1366, 1024)) -> Path:
    """Save the console at each width (checking it reads as Chinese); return the first file."""
    paths = []
    for width in widths:
        page.set_viewport_size({"width": width, "height": 768})
        page.wait_for_timeout(300)  # the layout settles (no assertion on time)
        paths.append(save_screen(page, f"console-{name}-{width}"))
        assert_readable(page, f"{name} at {width} px")
    page.set_viewport_size({"width": widths[0], "height": 768})
    return paths[0]
