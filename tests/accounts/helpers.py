"""Test helpers: a cheap argon2 hasher (the default costs ~0.15 s a hash) and a hand-moved
clock."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

PASSWORD = "correct horse battery"
START_S = 1_773_514_800  # 2026-03-14T19:00:00Z, a night shift


def cheap_hasher() -> PasswordHasher:
    """argon2id at the lowest cost argon2-cffi allows: the same code path, in microseconds."""
    return PasswordHasher.from_parameters(CHEAPEST)


class Clock:
    """Seconds since 1970 that move only when a test says so."""

    def __init__(self, now: float = START_S) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def ns(self) -> int:
        """The same time in ns, for the user store."""
        return int(self.now * 1e9)
