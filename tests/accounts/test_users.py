"""The user store: accounts kept across restarts, every refusal naming its field, logins that
say nothing about which names exist, and sessions ended by disable and password change."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Literal

import msgspec
import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from borderwatch.accounts import (
    AccountError,
    DuplicateUserError,
    InvalidAccountError,
    UnknownUserError,
    UserStore,
    WeakPasswordError,
)
from borderwatch.errors import DataError

from .helpers import PASSWORD, START_S, Clock, cheap_hasher


def test_add_get_list(store: UserStore) -> None:
    alice = store.add("alice", "army", "operator", PASSWORD)
    store.add("dz-liaison", "partner:dz", "partner", PASSWORD)
    assert alice.name == "alice"
    assert (alice.agency, alice.role, alice.disabled, alice.generation) == (
        "army",
        "operator",
        False,
        0,
    )
    assert alice.created_ns == START_S * 10**9
    assert store.get("ALICE") == alice
    assert [u.name for u in store.list()] == ["alice", "dz-liaison"]
    assert "hash" not in msgspec.json.encode(alice).decode()


@pytest.mark.parametrize(
    ("name", "agency", "role", "password", "error", "field"),
    [
        ("al ice", "army", "operator", PASSWORD, InvalidAccountError, "name"),
        ("", "army", "operator", PASSWORD, InvalidAccountError, "name"),
        ("x" * 65, "army", "operator", PASSWORD, InvalidAccountError, "name"),
        ("alice", "navy", "operator", PASSWORD, InvalidAccountError, "agency"),
        ("alice", "army", "king", PASSWORD, InvalidAccountError, "role"),
        ("alice", "army", "partner", PASSWORD, InvalidAccountError, "role"),
        ("alice", "army", "operator", "short", WeakPasswordError, "password"),
        ("alice", "army", "operator", "alice-is-my-name", WeakPasswordError, "password"),
    ],
)
def test_bad_accounts_are_refused(
    store: UserStore,
    name: str,
    agency: str,
    role: str,
    password: str,
    error: type[AccountError],
    field: str,
) -> None:
    with pytest.raises(error) as info:
        store.add(name, agency, role, password)
    assert info.value.field == field
    assert store.list() == ()


def test_duplicate_names_differ_not_even_in_case(store: UserStore) -> None:
    store.add("alice", "army", "operator", PASSWORD)
    with pytest.raises(DuplicateUserError, match="'Alice' already exists"):
        store.add("Alice", "customs", "analyst", PASSWORD)
    assert [(u.name, u.role) for u in store.list()] == [("alice", "operator")]


def test_authenticate(store: UserStore) -> None:
    alice = store.add("alice", "army", "operator", PASSWORD)
    assert store.authenticate("alice", PASSWORD) == alice
    assert store.authenticate("Alice", PASSWORD) == alice
    assert store.authenticate("alice", PASSWORD.upper()) is None
    assert store.authenticate("bob", PASSWORD) is None
    assert store.authenticate("bad name!", PASSWORD) is None
    assert store.login_failures == {"bad_password": 1, "unknown_user": 2}


class CountingHasher(PasswordHasher):
    """Counts verifications: an unknown name must cost one as a known one does."""

    verified = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        self.verified += 1
        return super().verify(hash, password)


def test_unknown_user_costs_a_hash_too(tmp_path: Path) -> None:
    hasher = CountingHasher.from_parameters(CHEAPEST)
    assert isinstance(hasher, CountingHasher)
    with UserStore(tmp_path / "a.sqlite", hasher=hasher) as store:
        store.add("alice", "army", "operator", PASSWORD)
        store.authenticate("alice", "wrong password!")
        assert hasher.verified == 1
        store.authenticate("nobody", "wrong password!")
        assert hasher.verified == 2


def test_disable_enable(store: UserStore) -> None:
    store.add("alice", "army", "operator", PASSWORD)
    disabled = store.disable("alice")
    assert disabled.disabled
    assert disabled.generation == 1  # ends the sessions handed out
    assert store.authenticate("alice", PASSWORD) is None
    assert store.login_failures == {"disabled": 1}
    enabled = store.enable("alice")
    assert not enabled.disabled
    assert enabled.generation == 1  # old tokens stay dead
    assert store.authenticate("alice", PASSWORD) == enabled


def test_set_password(store: UserStore, clock: Clock) -> None:
    store.add("alice", "army", "operator", PASSWORD)
    clock.now += 60
    user = store.set_password("ALICE", "a brand new passphrase")
    assert user.generation == 1
    assert store.authenticate("alice", PASSWORD) is None
    assert store.authenticate("alice", "a brand new passphrase") == user
    with pytest.raises(WeakPasswordError):
        store.set_password("alice", "alice1234567890")
    assert store.authenticate("alice", "a brand new passphrase") == user


@pytest.mark.parametrize("operation", ["get", "disable", "enable", "set_password"])
def test_unknown_user(store: UserStore, operation: str) -> None:
    args = ("zed", PASSWORD) if operation == "set_password" else ("zed",)
    with pytest.raises(UnknownUserError, match="no user 'zed'") as info:
        getattr(store, operation)(*args)
    assert info.value.field == "name"


def test_accounts_survive_a_restart_in_an_owner_only_wal_file(tmp_path: Path) -> None:
    path = tmp_path / "accounts.sqlite"
    with UserStore(path, hasher=cheap_hasher()) as store:
        store.add("alice", "army", "commander", PASSWORD)
        store.disable("alice")
    assert path.stat().st_mode & 0o077 == 0
    with UserStore(path, hasher=cheap_hasher(), create=False) as store:
        assert store.get("alice").disabled
        assert store._db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_missing_file_without_create(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no accounts yet"):
        UserStore(tmp_path / "accounts.sqlite", create=False)
    assert not (tmp_path / "accounts.sqlite").exists()


def test_someone_elses_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE users (name TEXT)")
    db.close()
    with pytest.raises(DataError, match="not a borderwatch accounts file"):
        UserStore(path)


def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "accounts.sqlite"
    path.write_bytes(b"this is not a database, not even close to one" * 100)
    with pytest.raises(DataError, match="not a usable accounts file"):
        UserStore(path)


def test_a_directory_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="cannot create"):
        UserStore(tmp_path / "nowhere" / "accounts.sqlite")


def test_threads_share_one_store(store: UserStore) -> None:
    store.add("alice", "army", "operator", PASSWORD)
    results: list[bool] = []

    def login() -> None:
        for _ in range(20):
            results.append(store.authenticate("alice", PASSWORD) is not None)

    threads = [threading.Thread(target=login) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [True] * 80
