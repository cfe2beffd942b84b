"""Ending the child processes of the multi-process tests, whatever happened in them."""

from __future__ import annotations

from collections.abc import Iterable
from multiprocessing.process import BaseProcess


def join_or_kill(processes: Iterable[BaseProcess], wait_seconds: float) -> None:
    """Wait for each process; kill what is still running after ``wait_seconds`` (a hang)."""
    for process in processes:
        process.join(wait_seconds)
        if process.is_alive():
            process.kill()
            process.join()
