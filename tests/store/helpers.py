"""Helpers for the asyncio tests: run a coroutine, let queued tasks run without a clock."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from borderwatch.store import LogWriter

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
    """Run `coro` in a fresh event loop; a hang fails the test instead of stalling the suite."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def settle(writer: LogWriter, pending: int) -> None:
    """Let queued tasks run until `pending` messages are in flight (no clock involved)."""
    for _ in range(10_000):
        if writer.pending == pending:
            return
        await asyncio.sleep(0)
    raise AssertionError(f"pending stuck at {writer.pending}, expected {pending}")
