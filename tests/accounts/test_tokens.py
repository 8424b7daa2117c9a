"""Bearer tokens: a shift long, refused when expired, tampered with, unsigned (`alg: none`),
signed another way, or when the user was disabled or changed password since."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import jwt
import pytest

from borderwatch.accounts import SHIFT_S, TokenError, TokenService, User, UserStore, signing_key
from borderwatch.errors import ConfigError

from .helpers import PASSWORD, START_S, Clock, cheap_hasher

KEY = b"k" * 64  # long enough for HS512 too, the algorithm one test tries


@pytest.fixture
def tokens(store: UserStore, clock: Clock) -> TokenService:
    return TokenService(KEY, store, clock=clock)


@pytest.fixture
def alice(store: UserStore) -> User:
    return store.add("alice", "army", "operator", PASSWORD)


def _refused(tokens: TokenService, token: str, reason: str) -> None:
    with pytest.raises(TokenError) as info:
        tokens.verify(token)
    assert reason in info.value.reason


def _payload(token: str) -> dict[str, object]:
    body = token.split(".")[1]
    data: dict[str, object] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return data


def test_issue_and_verify(tokens: TokenService, alice: User) -> None:
    token = tokens.issue(alice)
    claims = tokens.verify(token)
    assert (claims.sub, claims.agency, claims.role, claims.gen) == ("alice", "army", "operator", 0)
    assert claims.iat == START_S
    assert claims.exp == START_S + SHIFT_S == START_S + 12 * 3600
    assert tokens.issue(alice) != token  # jti: unique per token
    assert claims.jti == _payload(token)["jti"]
    assert jwt.get_unverified_header(token)["alg"] == "HS256"


def test_expired_at_the_end_of_the_shift(tokens: TokenService, alice: User, clock: Clock) -> None:
    token = tokens.issue(alice)
    clock.now += SHIFT_S - 1
    assert tokens.verify(token).sub == "alice"
    clock.now += 1
    _refused(tokens, token, "expired")
    assert tokens.rejections == {"expired": 1}


def test_lifetime_is_a_parameter(store: UserStore, alice: User, clock: Clock) -> None:
    tokens = TokenService(KEY, store, lifetime_s=60, clock=clock)
    token = tokens.issue(alice)
    clock.now += 60
    _refused(tokens, token, "expired")


def test_tampered_payload(tokens: TokenService, alice: User) -> None:
    # The role swapped for admin, the signature kept.
    header, body, signature = tokens.issue(alice).split(".")
    payload = _payload(f"{header}.{body}.{signature}")
    payload["role"] = "admin"
    forged_body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    _refused(tokens, f"{header}.{forged_body}.{signature}", "bad signature")


def test_signed_with_another_key(tokens: TokenService, alice: User) -> None:
    payload = _payload(tokens.issue(alice))
    _refused(tokens, jwt.encode(payload, b"x" * 32, algorithm="HS256"), "bad signature")


def test_alg_none_is_refused(tokens: TokenService, alice: User) -> None:
    payload = _payload(tokens.issue(alice))
    unsigned = jwt.encode(payload, "", algorithm="none")
    assert unsigned.endswith(".")
    _refused(tokens, unsigned, "algorithm not allowed")


def test_other_algorithm_with_our_key_is_refused(tokens: TokenService, alice: User) -> None:
    payload = _payload(tokens.issue(alice))
    _refused(tokens, jwt.encode(payload, KEY, algorithm="HS512"), "algorithm not allowed")


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "a.b"])
def test_malformed(tokens: TokenService, token: str) -> None:
    _refused(tokens, token, "malformed")


def test_missing_claim(tokens: TokenService, alice: User) -> None:
    payload = _payload(tokens.issue(alice))
    del payload["gen"]
    _refused(tokens, jwt.encode(payload, KEY, algorithm="HS256"), "missing claim 'gen'")


def test_bad_claim_type(tokens: TokenService, alice: User) -> None:
    payload = _payload(tokens.issue(alice))
    payload["role"] = "king"
    _refused(tokens, jwt.encode(payload, KEY, algorithm="HS256"), "malformed claims")


def test_issued_in_the_future(tokens: TokenService, alice: User, clock: Clock) -> None:
    clock.now += 3600
    token = tokens.issue(alice)
    clock.now -= 3600
    _refused(tokens, token, "issued in the future")


def test_disabled_user(tokens: TokenService, store: UserStore, alice: User) -> None:
    token = tokens.issue(alice)
    store.disable("alice")
    _refused(tokens, token, "user disabled")
    store.enable("alice")
    _refused(tokens, token, "session ended")  # re-enabling does not revive old tokens
    assert tokens.verify(tokens.issue(store.get("alice"))).gen == 1
    with pytest.raises(TokenError, match="disabled"):
        tokens.issue(store.disable("alice"))


def test_password_change_ends_sessions(tokens: TokenService, store: UserStore, alice: User) -> None:
    token = tokens.issue(alice)
    store.set_password("alice", "a brand new passphrase")
    _refused(tokens, token, "session ended")


def test_user_not_in_this_store(tokens: TokenService, tmp_path: Path, clock: Clock) -> None:
    with UserStore(tmp_path / "other.sqlite", hasher=cheap_hasher()) as other:
        bob = other.add("bob", "army", "admin", PASSWORD)
    _refused(tokens, tokens.issue(bob), "unknown user")


def test_role_changed_since_login(tokens: TokenService, store: UserStore, alice: User) -> None:
    token = tokens.issue(alice)
    store._db.execute("UPDATE users SET role = 'analyst' WHERE name = 'alice'")
    _refused(tokens, token, "role or agency changed")


def test_short_key_refused(store: UserStore) -> None:
    with pytest.raises(ConfigError, match="at least 32"):
        TokenService(b"short", store)


def test_signing_key_made_once_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "token.key"
    key = signing_key(path)
    assert len(key) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert signing_key(path) == key
    assert signing_key(tmp_path / "other.key") != key


def test_signing_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "token.key"
    signing_key(path)
    path.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        signing_key(path)


def test_signing_key_too_short_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "token.key"
    path.write_bytes(b"short")
    path.chmod(0o600)
    with pytest.raises(ConfigError, match="at least 32"):
        signing_key(path)
