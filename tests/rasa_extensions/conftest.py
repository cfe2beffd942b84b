"""These tests need Rasa, which only ``.venv-rasa`` has: the main environment skips them.

Run them with ``.venv-rasa/bin/python -m pytest tests/rasa_extensions`` (``make test`` does);
``.venv/bin/pytest tests`` collects nothing here instead of failing on ``import rasa``.
"""

from __future__ import annotations

import importlib.util

collect_ignore_glob: list[str] = []
if importlib.util.find_spec("rasa") is None:
    collect_ignore_glob = ["test_*.py"]
