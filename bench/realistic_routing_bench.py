"""Do real-style problem messages reach the complaint flow, a progress answer or a human?

Runs in the Rasa environment against the trained assistant (``models/rasa/shop.tar.gz``):
``.venv-rasa/bin/python bench/realistic_routing_bench.py``. Every message of the realistic
held-out slice (``nlu_data/triage/realistic/complaints.jsonl``: problems a shop must act on,
written by a writer who never saw our data) is parsed by the trained NLU pipeline, as the
first message of a conversation. A message is *routed* when its intent is ``complain``
(the complaint form), ``check_progress`` (a progress answer) or ``request_human`` (a person);
anything else — greeting, thanks, out of scope, the fallback question — is a miss. The
realistic chat turns (``chat.jsonl``) are parsed too, to show the other side: how many of
them are wrongly sent into the complaint form. ``--folder`` reads another evaluation folder
(``nlu_data/triage/mixed_english``). ``--exported`` parses the same messages as a
platform export shows them (``[ORDERID_…]``, ``[数字x]`` …; ``bench/triage_anonymised.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
REALISTIC = REPO / "nlu_data/triage/realistic"
RESULT_FILE = REPO / "reports/bench/realistic_routing{}.json"
ROUTED = frozenset({"complain", "check_progress", "request_human"})


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _quiet_rasa() -> None:
    """Rasa logs every parse at debug level to stdout; the figures are what this prints."""
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)


async def _parse_all(model: Path, texts: list[str]) -> list[dict[str, Any]]:
    from rasa.core.agent import Agent

    _quiet_rasa()
    agent = Agent.load(str(model))
    return [await agent.parse_message(text) for text in texts]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=REPO / "models/rasa/shop.tar.gz")
    parser.add_argument("--show", type=int, default=40, help="misses to print")
    parser.add_argument("--exported", action="store_true", help="with a platform's export marks")
    parser.add_argument(
        "--folder", type=Path, default=REALISTIC, help="an evaluation folder (default realistic)"
    )
    args = parser.parse_args()

    rows = [row for path in sorted(args.folder.glob("*.jsonl")) for row in _rows(path)]
    complaints = [row for row in rows if row.get("is_complaint", True)]
    chat = [row for row in rows if not row.get("is_complaint", True)]
    texts = [r["text"] for r in complaints + chat]
    if args.exported:
        sys.path.insert(0, str(REPO / "bench"))
        from triage_anonymised import anonymise

        texts = [anonymise(text) for text in texts]
    parsed = asyncio.run(_parse_all(args.model, texts))
    intents = [p["intent"]["name"] or "nlu_fallback" for p in parsed]
    complaint_intents, chat_intents = intents[: len(complaints)], intents[len(complaints) :]

    routed = [intent in ROUTED for intent in complaint_intents]
    by_category: dict[str, list[bool]] = {}
    for row, ok in zip(complaints, routed):
        by_category.setdefault(row["category"], []).append(ok)
    urgent = [ok for row, ok in zip(complaints, routed) if row["urgency"] == "urgent"]
    result = {
        "model": str(args.model),
        "complaints": len(complaints),
        "routed": round(sum(routed) / len(routed), 4),
        "routed_by_category": {
            name: round(sum(flags) / len(flags), 4) for name, flags in sorted(by_category.items())
        },
        "routed_urgent": round(sum(urgent) / max(1, len(urgent)), 4),
        "complaint_intents": dict(Counter(complaint_intents).most_common()),
        "chat_turns": len(chat),
        "chat_sent_to_complaint_form": round(
            sum(i == "complain" for i in chat_intents) / max(1, len(chat)), 4
        ),
        "chat_intents": dict(Counter(chat_intents).most_common()),
    }
    print(
        f"realistic problem messages routed (complain / check_progress / request_human): "
        f"{sum(routed)}/{len(routed)} = {result['routed']:.3f}"
    )
    for name, share in result["routed_by_category"].items():
        print(f"  {name:<12} {share:.3f}")
    print(f"  urgent       {result['routed_urgent']:.3f}")
    print(f"intents of the problem messages: {result['complaint_intents']}")
    if chat:
        print(
            f"realistic chat turns sent to the complaint form: "
            f"{result['chat_sent_to_complaint_form']:.3f} of {len(chat)}; {result['chat_intents']}"
        )
    misses = [
        (row, intent) for row, intent, ok in zip(complaints, complaint_intents, routed) if not ok
    ]
    for row, intent in misses[: args.show]:
        text = " ".join(row["text"].split())
        print(f"  miss [{intent}] {text}")
    suffix = ("_exported" if args.exported else "") + (
        "" if args.folder == REALISTIC else f"_{args.folder.name}"
    )
    result_file = Path(str(RESULT_FILE).format(suffix))
    result_file.parent.mkdir(parents=True, exist_ok=True)
    result_file.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
