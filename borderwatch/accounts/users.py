"""The user store: accounts in their own SQLite file (`DATA/accounts.sqlite`, WAL mode).

A user has an `Id`-shaped name (unique without regard to case), an agency, a role, an argon2id
password hash, an enabled flag and a `generation`. The generation goes up when the password
is changed or the account is disabled; tokens carry it, so either one ends every session
already handed out, at the next request, without a revocation list.

The hash never leaves this module: `User` has no field for it, so nothing can send it out.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import msgspec
from argon2 import PasswordHasher

from borderwatch.accounts.errors import DuplicateUserError, InvalidAccountError, UnknownUserError
from borderwatch.accounts.passwords import Passwords, check_password
from borderwatch.accounts.roles import Role, check_account
from borderwatch.errors import DataError
from borderwatch.messages.common import Id

__all__ = ["APPLICATION_ID", "SCHEMA_VERSION", "User", "UserStore", "check_name"]

APPLICATION_ID = 0x42574143  # "BWAC" in the database header
SCHEMA_VERSION = 1

_DDL = """
CREATE TABLE IF NOT EXISTS users (
    name          TEXT    PRIMARY KEY COLLATE NOCASE,
    agency        TEXT    NOT NULL,
    role          TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,   -- argon2id, encoded with its salt and parameters
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    generation    INTEGER NOT NULL DEFAULT 0,
    created_ns    INTEGER NOT NULL,
    updated_ns    INTEGER NOT NULL
) STRICT;
"""
_COLUMNS = "name, agency, role, disabled, generation, created_ns"


class User(msgspec.Struct, frozen=True, kw_only=True):
    """One account as the rest of borderwatch sees it (no password hash)."""

    name: Id
    agency: Id
    role: Role
    disabled: bool
    generation: int
    created_ns: int


def check_name(name: str) -> str:
    """`name` if it is `Id`-shaped, else `InvalidAccountError`."""
    try:
        return msgspec.convert(name, Id)
    except msgspec.ValidationError:
        raise InvalidAccountError(
            "name", f"{name!r}: 1-64 characters of letters, digits and _ . : / -"
        ) from None


def _user(row: tuple[Any, ...]) -> User:
    name, agency, role, disabled, generation, created_ns = row
    return User(
        name=name,
        agency=agency,
        role=role,
        disabled=bool(disabled),
        generation=generation,
        created_ns=created_ns,
    )


class UserStore:
    """Accounts in one SQLite file; safe to share between threads.

    `hasher` sets the argon2id parameters (tests pass a cheap one); `clock` gives UTC ns.
    With `create=False` a missing file is a `DataError` instead of a new, empty store.
    """

    def __init__(
        self,
        path: Path,
        *,
        hasher: PasswordHasher | None = None,
        clock: Callable[[], int] = time.time_ns,
        create: bool = True,
    ) -> None:
        self.path = path
        self.passwords = Passwords(hasher)
        self._clock = clock
        self._lock = threading.Lock()
        # Failed logins by reason (unknown_user, bad_password, disabled), for the metrics.
        self.login_failures: Counter[str] = Counter()
        if not create and not path.exists():
            raise DataError(f"{path}: no accounts yet (add one with `borderwatch users add`)")
        self._db = _connect(path)

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> UserStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, name: str, agency: str, role: str, password: str) -> User:
        """Create an enabled account; every argument is checked first."""
        name = check_name(name)
        role, agency = check_account(role, agency)
        check_password(name, password)
        encoded = self.passwords.hash(password)
        now = self._clock()
        with self._lock:
            try:
                self._db.execute(
                    "INSERT INTO users (name, agency, role, password_hash, created_ns, updated_ns)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (name, agency, role, encoded, now, now),
                )
            except sqlite3.IntegrityError:
                raise DuplicateUserError("name", f"a user {name!r} already exists") from None
        return self.get(name)

    def get(self, name: str) -> User:
        """The user called `name` (any case), or `UnknownUserError`."""
        with self._lock:
            row = self._db.execute(
                f"SELECT {_COLUMNS} FROM users WHERE name = ?", (name,)
            ).fetchone()
        if row is None:
            raise UnknownUserError("name", f"no user {name!r}")
        return _user(row)

    def list(self) -> Sequence[User]:
        """Every user, by name."""
        with self._lock:
            rows = self._db.execute(f"SELECT {_COLUMNS} FROM users ORDER BY name").fetchall()
        return tuple(map(_user, rows))

    def disable(self, name: str) -> User:
        """Refuse the user's logins and end their sessions (tokens already issued)."""
        return self._update(name, "disabled = 1, generation = generation + 1")

    def enable(self, name: str) -> User:
        """Let a disabled user log in again (their old tokens stay dead)."""
        return self._update(name, "disabled = 0")

    def set_password(self, name: str, password: str) -> User:
        """Replace the password and end the user's sessions."""
        user = self.get(name)
        check_password(user.name, password)
        encoded = self.passwords.hash(password)
        return self._update(user.name, "password_hash = ?, generation = generation + 1", (encoded,))

    def revoke(self, name: str) -> User:
        """End every session of the user (tokens already issued); they may log in again."""
        return self._update(name, "generation = generation + 1")

    def set_role(self, name: str, role: str) -> User:
        """Give the user another role (checked against their agency); ends their sessions."""
        user = self.get(name)
        role, _ = check_account(role, user.agency)
        return self._update(user.name, "role = ?, generation = generation + 1", (role,))

    def authenticate(self, name: str, password: str) -> User | None:
        """The user if `name` and `password` match an enabled account, else None."""
        user, why = self.login(name, password)
        return None if why else user

    def login(self, name: str, password: str) -> tuple[User | None, str]:
        """(the user, "") if `name` and `password` match an enabled account, else (the user
        or None, why not: unknown_user, bad_password, disabled) for the audit trail.

        An unknown name costs one hash too, so the answer's timing does not say which names
        exist. A match made with older argon2 parameters is rehashed with the current ones.
        """
        with self._lock:
            row = self._db.execute(
                f"SELECT {_COLUMNS}, password_hash FROM users WHERE name = ?", (name,)
            ).fetchone()
        if row is None:
            self.passwords.burn(password)
            self.login_failures["unknown_user"] += 1
            return None, "unknown_user"
        user, encoded = _user(row[:-1]), row[-1]
        matches, stale = self.passwords.verify(encoded, password)
        if not matches:
            self.login_failures["bad_password"] += 1
            return user, "bad_password"
        if user.disabled:
            self.login_failures["disabled"] += 1
            return user, "disabled"
        if stale:
            # Same password, so the generation stays: the user's sessions go on.
            self._update(user.name, "password_hash = ?", (self.passwords.hash(password),))
        return user, ""

    def _update(self, name: str, assignments: str, params: tuple[object, ...] = ()) -> User:
        with self._lock:
            cursor = self._db.execute(
                f"UPDATE users SET {assignments}, updated_ns = ? WHERE name = ?",
                (*params, self._clock(), name),
            )
        if cursor.rowcount == 0:
            raise UnknownUserError("name", f"no user {name!r}")
        return self.get(name)


def _connect(path: Path) -> sqlite3.Connection:
    """Open (or create) the accounts file, checked to be ours, in WAL mode."""
    try:
        # Password hashes: owner-only from the first byte (SQLite gives its -wal the same mode).
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError as exc:
        raise DataError(f"{path}: cannot create the accounts file ({exc.strerror})") from exc
    try:
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10.0)
    except sqlite3.Error as exc:
        raise DataError(f"{path}: cannot open the accounts file ({exc})") from exc
    try:
        app_id, version = (
            db.execute("PRAGMA application_id").fetchone()[0],
            db.execute("PRAGMA user_version").fetchone()[0],
        )
        if (app_id, version) == (0, 0) and _is_empty(db):
            db.execute("PRAGMA journal_mode = WAL")
            # One script, one transaction: executescript commits anything open before it runs.
            db.executescript(
                f"BEGIN IMMEDIATE; {_DDL} PRAGMA application_id = {APPLICATION_ID}; "
                f"PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
            )
        elif app_id != APPLICATION_ID:
            raise DataError(f"{path}: not a borderwatch accounts file")
        elif version != SCHEMA_VERSION:
            raise DataError(
                f"{path}: accounts schema version {version}, this borderwatch reads "
                f"{SCHEMA_VERSION}"
            )
        db.execute("PRAGMA journal_mode = WAL")
    except sqlite3.DatabaseError as exc:
        db.close()
        raise DataError(f"{path}: not a usable accounts file ({exc})") from exc
    except BaseException:
        db.close()
        raise
    return db


def _is_empty(db: sqlite3.Connection) -> bool:
    (count,) = db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return int(count) == 0
