"""Sessions end when they should (issue 15): an open WebSocket closes within a second of its
user's logout, disablement, role change, revoked sessions or the token's expiry; logins back
off per account and per address, and every failed login is in the audit trail with its
address. Through the real API behind uvicorn."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from borderwatch.accounts import SHIFT_S, TokenService, UserStore, signing_key
from borderwatch.messages import OperatorAction
from tests.accounts.helpers import PASSWORD
from tests.security.stack import Stack, run, running

Ending = Callable[[Stack, str], Awaitable[None]]


async def _logout(stack: Stack, token: str) -> None:
    r = await stack.http.post("/api/v1/logout", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 204


async def _disable(stack: Stack, _: str) -> None:
    # As `borderwatch users disable` does it: another connection to the accounts file.
    with UserStore(stack.service.options.data.accounts) as users:
        users.disable("op1")


async def _role(stack: Stack, _: str) -> None:
    with UserStore(stack.service.options.data.accounts) as users:
        users.set_role("op1", "analyst")


async def _revoke(stack: Stack, _: str) -> None:
    with UserStore(stack.service.options.data.accounts) as users:
        users.revoke("op1")


ENDINGS: dict[str, Ending] = {
    "logout": _logout,
    "disabled": _disable,
    "role-changed": _role,
    "revoked": _revoke,
}


async def _closed_within(stack: Stack, token: str, end: Ending | None) -> tuple[float, int]:
    """Open a stream with `token`, let it run, `end` the session; (seconds to close, code)."""
    url = stack.base_url.replace("http://", "ws://") + "/api/v1/stream"
    async with connect(url) as ws:
        await ws.send(json.dumps({"token": token}))
        with pytest.raises(TimeoutError):  # the stream is open and following
            await _recv_for(ws, 0.5)
        t0 = time.monotonic()
        if end is not None:
            await end(stack, token)
        with pytest.raises(ConnectionClosed) as closed:
            await _recv_for(ws, 5.0)
        assert closed.value.rcvd is not None
        return time.monotonic() - t0, closed.value.rcvd.code


async def _recv_for(ws: ClientConnection, seconds: float) -> None:
    async with asyncio.timeout(seconds):
        while True:
            await ws.recv()


@pytest.mark.parametrize("ending", sorted(ENDINGS))
def test_a_stream_ends_within_a_second_of_its_session(
    tmp_path: Path, pki_dir: Path, ending: str
) -> None:
    async def attack() -> None:
        async with running(tmp_path, pki_dir) as stack:
            took, code = await _closed_within(stack, await stack.token("op1"), ENDINGS[ending])
            assert code == 4401
            assert took < 1.0, took

    run(attack())


def test_a_stream_ends_when_its_token_expires(tmp_path: Path, pki_dir: Path) -> None:
    async def attack() -> None:
        async with running(tmp_path, pki_dir) as stack:
            data = stack.service.options.data
            # A token of this service with 2-3 s of its shift left (claims are whole seconds).
            ending = TokenService(
                signing_key(data.token_key),
                stack.service.users,
                clock=lambda: time.time() - SHIFT_S + 3.0,
            )
            token = ending.issue(stack.service.users.get("op1"))
            took, code = await _closed_within(stack, token, None)
            assert code == 4401
            assert took < 3.0, took  # at most 3 s left when it began, 0.5 of them watched

    run(attack())


def _failures(stack: Stack) -> list[OperatorAction]:
    return [
        e.message
        for e in stack.service.log.audit(after=0, limit=1000)
        if isinstance(e.message, OperatorAction) and e.message.action == "login_failed"
    ]


def test_guessing_a_password_backs_off_and_every_failure_is_audited(
    tmp_path: Path, pki_dir: Path
) -> None:
    async def attack() -> None:
        async with running(tmp_path, pki_dir) as stack:
            codes = []
            for k in range(8):
                r = await stack.http.post(
                    "/api/v1/token", data={"username": "op1", "password": f"guess {k}"}
                )
                codes.append(r.status_code)
                if r.status_code == 429:
                    assert int(r.headers["Retry-After"]) >= 1
            # Five free tries, then a wait: the right password does not help during it.
            assert codes == [401] * 5 + [429] * 3, codes
            r = await stack.http.post(
                "/api/v1/token", data={"username": "op1", "password": PASSWORD}
            )
            assert r.status_code == 429
            audited = _failures(stack)
            # Five wrong passwords, and the first refusal of the back-off (not each one).
            assert [a.params["reason"] for a in audited] == ["bad_password"] * 5 + [
                "throttled_account"
            ]
            assert {a.params["address"] for a in audited} == {"127.0.0.1"}
            assert {a.user for a in audited} == {"op1"}

    run(attack())


def test_spraying_many_accounts_from_one_address_backs_off(tmp_path: Path, pki_dir: Path) -> None:
    async def attack() -> None:
        async with running(tmp_path, pki_dir) as stack:
            codes = []
            for k in range(23):  # a new name each time: no one account is tried twice
                r = await stack.http.post(
                    "/api/v1/token", data={"username": f"user{k}", "password": "Winter2026!"}
                )
                codes.append(r.status_code)
            assert codes == [401] * 20 + [429] * 3
            reasons = [a.params["reason"] for a in _failures(stack)]
            assert reasons == ["unknown_user"] * 20 + ["throttled_address"]
            assert stack.service.users.login_failures["unknown_user"] == 20

    run(attack())
