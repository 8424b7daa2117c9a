"""Login back-off: free tries, then doubling waits up to a cap, per account and per address."""

from __future__ import annotations

import pytest

from borderwatch.accounts.throttle import LoginThrottle, TooManyAttemptsError
from tests.accounts.helpers import Clock


def _wait(throttle: LoginThrottle, account: str, address: str) -> float:
    try:
        throttle.check(account, address)
    except TooManyAttemptsError as exc:
        return exc.retry_after_s
    return 0.0


def test_waits_double_after_the_free_tries_up_to_the_cap() -> None:
    clock = Clock(0.0)
    throttle = LoginThrottle(free_per_account=3, free_per_address=100, max_s=8.0, clock=clock)
    waits = []
    for _ in range(7):
        throttle.check("alice", "10.0.0.1")
        throttle.failed("ALICE", "10.0.0.1")  # names compare without case, as accounts do
        waits.append(_wait(throttle, "alice", "10.0.0.1"))
        clock.now += waits[-1]
    assert waits == [0.0, 0.0, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert _wait(throttle, "bob", "10.0.0.1") == 0.0  # another account from the address
    throttle.succeeded("alice")
    assert _wait(throttle, "alice", "10.0.0.1") == 0.0


def test_only_the_first_refusal_of_a_back_off_is_flagged_and_old_failures_are_forgotten() -> None:
    clock = Clock(0.0)
    throttle = LoginThrottle(free_per_account=1, free_per_address=1, forget_s=60.0, clock=clock)
    throttle.failed("alice", "10.0.0.1")
    firsts = []
    for _ in range(3):
        with pytest.raises(TooManyAttemptsError) as refused:
            throttle.check("alice", "10.0.0.1")
        firsts.append(refused.value.first)
    assert firsts == [True, False, False]
    clock.now += 61.0
    throttle.failed("alice", "10.0.0.1")  # a new run of failures: the count starts again
    assert _wait(throttle, "alice", "10.0.0.1") == 1.0
