"""Account and token errors: each names what was wrong, so the CLI prints one clear line and
the API can answer 400, 401 or 409 without parsing text.

    BorderwatchError
    ├── AccountError             an account operation was refused (`field`, `reason`)
    │   ├── InvalidAccountError  a bad user name, role or agency, or a role the agency cannot hold
    │   ├── WeakPasswordError    the password breaks the rules (length, contains the name)
    │   ├── DuplicateUserError   the name is taken
    │   └── UnknownUserError     no such user
    └── TokenError               a bearer token was refused (`reason`: expired, bad signature, ...)
"""

from __future__ import annotations

from borderwatch.errors import BorderwatchError

__all__ = [
    "AccountError",
    "DuplicateUserError",
    "InvalidAccountError",
    "TokenError",
    "UnknownUserError",
    "WeakPasswordError",
]


class AccountError(BorderwatchError):
    """An account operation was refused: `field` (name, agency, role, password) and why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class InvalidAccountError(AccountError):
    """A user name, role or agency is malformed or unknown, or the two do not fit together."""


class WeakPasswordError(AccountError):
    """A new password breaks the password rules."""


class DuplicateUserError(AccountError):
    """A user with this name (compared without case) already exists."""


class UnknownUserError(AccountError):
    """No user has this name."""


class TokenError(BorderwatchError):
    """A bearer token was refused; `reason` is short and safe to show to the caller."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"token refused: {reason}")
        self.reason = reason
