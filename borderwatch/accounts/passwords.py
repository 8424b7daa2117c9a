"""Password rules and hashing: argon2id (argon2-cffi), with rehash on login when the
parameters change.

The default parameters are argon2-cffi's, RFC 9106's second recommendation (t=3, 64 MiB,
p=4; about 0.15 s on one core here): a stolen `accounts.sqlite` costs an attacker that per
guess and per account. Tests pass a cheap `PasswordHasher` to the store instead of weakening
this default. A hash made with other parameters still verifies, and `Passwords.verify` says
when it should be replaced, so raising the cost later upgrades each account at its next login.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from borderwatch.accounts.errors import WeakPasswordError

__all__ = ["MAX_LENGTH", "MIN_LENGTH", "Passwords", "check_password", "default_hasher"]

MIN_LENGTH = 12
# Long enough for any passphrase; short enough that nobody posts a megabyte to the login form.
MAX_LENGTH = 1024


def default_hasher() -> PasswordHasher:
    """argon2id with argon2-cffi's default (RFC 9106 low-memory) parameters."""
    return PasswordHasher()


def check_password(name: str, password: str) -> None:
    """Raise `WeakPasswordError` if `password` is too short, too long, or contains `name`."""
    if len(password) < MIN_LENGTH:
        raise WeakPasswordError(
            "password", f"too short: {len(password)} characters, at least {MIN_LENGTH}"
        )
    if len(password) > MAX_LENGTH:
        raise WeakPasswordError("password", f"too long: more than {MAX_LENGTH} characters")
    if name.casefold() in password.casefold():
        raise WeakPasswordError("password", "must not contain the user name")


class Passwords:
    """Hash and verify passwords with one `PasswordHasher` (argon2id)."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self.hasher = hasher or default_hasher()
        self._dummy: str | None = None

    def hash(self, password: str) -> str:
        """The encoded argon2id hash of `password` (salt and parameters included)."""
        return self.hasher.hash(password)

    def verify(self, encoded: str, password: str) -> tuple[bool, bool]:
        """(matches, needs rehash): the second is True only for a match made with other
        parameters than this hasher's."""
        try:
            self.hasher.verify(encoded, password)
        except (VerificationError, InvalidHashError):
            # VerifyMismatchError is a VerificationError; a corrupt stored hash matches nothing.
            return False, False
        return True, self.hasher.check_needs_rehash(encoded)

    def burn(self, password: str) -> None:
        """Spend the time of one verification, so an unknown user name answers no faster."""
        if self._dummy is None:
            self._dummy = self.hasher.hash("not a password anyone has")
        self.verify(self._dummy, password)
