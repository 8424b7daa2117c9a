"""Login back-off: failed logins are counted per account and per address, and past a few free
tries each further failure doubles the wait before that account (or address) may try again.

Why both: per account stops guessing one user's password from many addresses; per address
stops one machine trying a password against many accounts (spraying). The wait is answered
at once (HTTP 429 with `Retry-After`), before any password is hashed, so a flood of guesses
costs the server nothing and learns nothing. A success clears its account's count; an
address's failures are forgotten `forget_s` after its last one.

    failures (free = 5):            5    6    7    8   ...   free + n - 1
    wait (s), base 1, at most 900:  1    2    4    8   ...   min(900, 2^(n-1))
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["LoginThrottle", "TooManyAttemptsError"]

from borderwatch.errors import BorderwatchError

_MAX_KEYS = 100_000  # accounts and addresses remembered at once; the stale ones go first


class TooManyAttemptsError(BorderwatchError):
    """Logins refused for `retry_after_s` more seconds (`what`: the account or the address)."""

    def __init__(self, what: str, retry_after_s: float, *, first: bool) -> None:
        super().__init__(f"too many failed logins for this {what}: try again later")
        self.what = what
        self.retry_after_s = retry_after_s
        self.first = first  # the first refusal of this back-off (the audit logs only that)


@dataclass(slots=True)
class _Record:
    failures: int
    last_s: float
    until_s: float
    refused: int = 0  # tries refused during the current back-off


class LoginThrottle:
    """Counts failures by account and by address; `check` says whether a login may be tried."""

    def __init__(
        self,
        *,
        free_per_account: int = 5,
        free_per_address: int = 20,
        base_s: float = 1.0,
        max_s: float = 900.0,
        forget_s: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free = {"account": free_per_account, "address": free_per_address}
        self.base_s, self.max_s, self.forget_s = base_s, max_s, forget_s
        self._clock = clock
        self._records: dict[tuple[str, str], _Record] = {}

    def check(self, account: str, address: str) -> None:
        """Raise `TooManyAttemptsError` if the account or the address is waiting."""
        now = self._clock()
        for what, key in (("account", account.lower()), ("address", address)):
            record = self._records.get((what, key))
            if record is not None and record.until_s > now:
                record.refused += 1
                wait = record.until_s - now
                raise TooManyAttemptsError(what, wait, first=record.refused == 1)

    def failed(self, account: str, address: str) -> None:
        """A login for `account` from `address` failed."""
        now = self._clock()
        if len(self._records) >= _MAX_KEYS:
            self._forget(now)
        for what, key in (("account", account.lower()), ("address", address)):
            record = self._records.get((what, key))
            if record is None or now - record.last_s > self.forget_s:
                record = self._records[what, key] = _Record(0, now, now)
            record.failures += 1
            record.last_s = now
            beyond = record.failures - self.free[what] + 1  # the last free one starts a wait
            if beyond > 0:
                record.until_s = now + min(self.max_s, self.base_s * 2 ** min(beyond - 1, 30))
                record.refused = 0

    def succeeded(self, account: str) -> None:
        """A login for `account` succeeded: its count starts again."""
        self._records.pop(("account", account.lower()), None)

    def _forget(self, now: float) -> None:
        stale = [k for k, r in self._records.items() if now - r.last_s > self.forget_s]
        for k in stale:
            del self._records[k]
        if len(self._records) >= _MAX_KEYS:  # all fresh: drop the oldest half
            ordered = sorted(self._records, key=lambda k: self._records[k].last_s)
            for k in ordered[: len(ordered) // 2]:
                del self._records[k]
