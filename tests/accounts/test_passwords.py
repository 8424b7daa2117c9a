"""Password rules and argon2id hashing: weak passwords refused, hashes verify, and a hash made
with older parameters is replaced at the next login without ending the user's sessions."""

from __future__ import annotations

from pathlib import Path

import pytest
from argon2 import PasswordHasher, extract_parameters
from argon2.profiles import RFC_9106_LOW_MEMORY

from borderwatch.accounts import Passwords, UserStore, WeakPasswordError, check_password
from borderwatch.accounts.passwords import MAX_LENGTH, MIN_LENGTH, default_hasher

from .helpers import PASSWORD, cheap_hasher


@pytest.mark.parametrize(
    ("name", "password", "says"),
    [
        ("alice", "x" * (MIN_LENGTH - 1), "too short: 11 characters"),
        ("alice", "", "too short"),
        ("alice", "x" * (MAX_LENGTH + 1), "too long"),
        ("alice", "my name is alice!", "user name"),
        ("alice", "ALICE-and-the-rest", "user name"),
    ],
)
def test_weak_passwords(name: str, password: str, says: str) -> None:
    with pytest.raises(WeakPasswordError, match=says) as info:
        check_password(name, password)
    assert info.value.field == "password"


@pytest.mark.parametrize("password", ["x" * MIN_LENGTH, PASSWORD, "ñ" * MIN_LENGTH])
def test_good_passwords(password: str) -> None:
    check_password("alice", password)


def test_default_is_not_weakened() -> None:
    # Tests use a cheap hasher by parameter; the default stays RFC 9106's.
    hasher = default_hasher()
    assert hasher.type.name == "ID"
    assert hasher.time_cost >= RFC_9106_LOW_MEMORY.time_cost
    assert hasher.memory_cost >= RFC_9106_LOW_MEMORY.memory_cost
    assert Passwords().hasher.memory_cost == hasher.memory_cost


def test_hash_and_verify() -> None:
    passwords = Passwords(cheap_hasher())
    encoded = passwords.hash(PASSWORD)
    assert encoded.startswith("$argon2id$")
    assert PASSWORD not in encoded
    assert passwords.hash(PASSWORD) != encoded  # salted
    assert passwords.verify(encoded, PASSWORD) == (True, False)
    assert passwords.verify(encoded, PASSWORD + "!") == (False, False)
    assert passwords.verify("not a hash", PASSWORD) == (False, False)


def test_a_hash_with_other_parameters_needs_rehash() -> None:
    old = Passwords(cheap_hasher())
    new = Passwords(PasswordHasher(time_cost=2, memory_cost=16, parallelism=1))
    encoded = old.hash(PASSWORD)
    assert new.verify(encoded, PASSWORD) == (True, True)
    assert new.verify(encoded, "wrong password!") == (False, False)


def test_login_rehashes_with_the_current_parameters(tmp_path: Path) -> None:
    path = tmp_path / "accounts.sqlite"
    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    with UserStore(path, hasher=cheap_hasher()) as store:
        store.add("alice", "army", "operator", PASSWORD)
    with UserStore(path, hasher=stronger) as store:
        before = _stored_hash(store)
        user = store.authenticate("alice", PASSWORD)
        after = _stored_hash(store)
        assert user is not None
        assert extract_parameters(before).time_cost == cheap_hasher().time_cost
        assert extract_parameters(after).time_cost == 2
        # Same password: the sessions (generation) go on, and the new hash works.
        assert store.get("alice").generation == user.generation
        assert store.authenticate("alice", PASSWORD) is not None
        assert _stored_hash(store) == after  # rehashed once, not at every login


def _stored_hash(store: UserStore) -> str:
    # Read straight from the file: the store never hands hashes out.
    row = store._db.execute("SELECT password_hash FROM users").fetchone()
    return str(row[0])
