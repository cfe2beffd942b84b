"""Aligned text tables for the terminal, counting a Chinese character as two columns."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes: wide and full-width characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` columns (with …) and padded to exactly ``width``."""
    if display_width(text) > width:
        out = ""
        for ch in text:
            if display_width(out + ch) > width - 1:
                break
            out += ch
        text = out + "…"
    return text + " " * (width - display_width(text))


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]], max_width: int = 40) -> str:
    """Rows under headers, columns as wide as their widest cell (at most ``max_width``)."""
    widths = [
        min(max_width, max([display_width(h)] + [display_width(row[i]) for row in rows]))
        for i, h in enumerate(headers)
    ]
    lines = [
        "  ".join(_fit(cell, w) for cell, w in zip(line, widths, strict=True)).rstrip()
        for line in [list(headers), *[list(r) for r in rows]]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
