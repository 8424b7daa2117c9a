"""The event log's error: it cannot open its file, or cannot make an append durable.

    BorderwatchError
    └── StoreError     the log file is not usable, or an append was not made durable

An append that fails with `StoreError` was not accepted: nothing of it is in the log, and the
service must tell the sender so (it may send again).
"""

from __future__ import annotations

from pathlib import Path

from borderwatch.errors import BorderwatchError

__all__ = ["StoreError"]


class StoreError(BorderwatchError):
    """The event log at `path` cannot do what was asked; `reason` says why in one line."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason
