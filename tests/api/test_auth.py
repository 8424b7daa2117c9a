"""Logging in and out through the API: a token for a good password, one refusal for every
bad login, and 401 (with `WWW-Authenticate: Bearer`) for a missing, expired, tampered or
logged-out token. Login and logout are in the audit trail."""

from __future__ import annotations

import base64
import json
import time

import pytest

from borderwatch.accounts import SHIFT_S, TokenService, signing_key
from tests.accounts.helpers import PASSWORD

from .conftest import Api


def _login(api: Api, name: str, password: str = PASSWORD) -> tuple[int, dict[str, object]]:
    r = api.client.post("/api/v1/token", data={"username": name, "password": password})
    return r.status_code, r.json()


def _refused(api: Api, headers: dict[str, str], reason: str) -> None:
    r = api.client.get("/api/v1/me", headers=headers)
    assert r.status_code == 401, r.text
    assert r.headers["www-authenticate"] == "Bearer"
    assert reason in r.json()["detail"]
    assert r.json()["field"] is None


def _actions(api: Api, user: str, kind: str) -> list[dict[str, object]]:
    r = api.client.get("/api/v1/audit?limit=1000", headers=api.auth("an1"))
    assert r.status_code == 200
    return [
        e["action"]
        for e in r.json()["entries"]
        if e["action"]["user"] == user and e["action"]["action"] == kind
    ]


def test_login_gives_a_token_for_the_shift_and_is_audited(api: Api) -> None:
    status, body = _login(api, "cmd1")
    assert status == 200, body
    assert (body["token_type"], body["user"], body["role"]) == ("bearer", "cmd1", "commander")
    assert body["expires_in"] == SHIFT_S
    me = api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["agency"] == "national_guard"
    assert "release" in me.json()["permissions"]
    (login,) = _actions(api, "cmd1", "login")[-1:]
    assert login["role"] == "commander"
    assert abs(int(str(login["time_ns"])) - time.time_ns()) < 60e9  # the wall clock
    assert login["params"] == {"session": api.service.tokens.verify(str(body["access_token"])).jti}


@pytest.mark.parametrize(
    ("name", "password"),
    [("op1", "not the password"), ("nobody", PASSWORD), ("off1", PASSWORD)],
    ids=["bad-password", "unknown-user", "disabled-user"],
)
def test_login_refused_alike(api: Api, name: str, password: str) -> None:
    before = sum(api.service.users.login_failures.values())
    r = api.client.post("/api/v1/token", data={"username": name, "password": password})
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    assert "wrong user name or password" in r.json()["detail"]
    assert sum(api.service.users.login_failures.values()) == before + 1
    assert not _actions(api, name, "login")


def test_login_form_names_a_missing_field(api: Api) -> None:
    r = api.client.post("/api/v1/token", data={"username": "op1"})
    assert r.status_code == 422
    assert r.json()["field"] == "body.password"


def test_no_token_or_a_bad_one_is_401(api: Api) -> None:
    _refused(api, {}, "no token")
    _refused(api, {"Authorization": "Bearer not-a-jwt"}, "malformed")
    _refused(api, {"Authorization": "Basic b3AxOnB3"}, "no token")


def test_an_expired_token_is_401(api: Api) -> None:
    earlier = TokenService(
        signing_key(api.service.options.data.token_key),
        api.service.users,
        clock=lambda: time.time() - SHIFT_S - 1,
    )
    token = earlier.issue(api.service.users.get("op1"))
    _refused(api, {"Authorization": f"Bearer {token}"}, "expired")


def test_a_tampered_token_is_401(api: Api) -> None:
    header, payload, signature = api.token("op1").split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["role"] = "commander"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    _refused(api, {"Authorization": f"Bearer {header}.{forged}.{signature}"}, "bad signature")


def test_logout_ends_the_token_even_after_a_restart_of_the_api(api: Api) -> None:
    status, body = _login(api, "an1")
    assert status == 200
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert api.client.get("/api/v1/me", headers=headers).status_code == 200
    assert api.client.post("/api/v1/logout", headers=headers).status_code == 204
    _refused(api, headers, "logged out")
    assert _actions(api, "an1", "logout")
    # A new app over the same log (as after a restart) remembers the logout.
    from borderwatch.api import create_app

    again = api.client_for(create_app(api.service))
    r = again.get("/api/v1/me", headers=headers)
    assert r.status_code == 401
    assert "logged out" in r.json()["detail"]
    assert again.get("/api/v1/me", headers=api.auth("an1")).status_code == 200
