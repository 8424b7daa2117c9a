"""borderwatch's own exceptions, one tree so callers can catch at the right depth.

    BorderwatchError
    ├── ConfigError          a scenario, site layout or settings file is wrong (names field)
    ├── MessageError         a wire message failed validation (names the field and the reason)
    │   └── RejectedError        ingest refused it, with a short code for the counters (ingest)
    ├── DataError            an input directory or file is missing or unreadable for a command
    ├── StoreError           the event log could not take or give an event: not accepted (store)
    ├── AccountError         a user, agency, role or password is wrong (accounts; names field)
    │   ├── InvalidAccountError, WeakPasswordError, DuplicateUserError, UnknownUserError
    ├── TokenError           a bearer token is refused: expired, tampered, disabled (accounts)
    ├── CertificateError     the certificate authority's files (pki)
    ├── LifecycleError       an incident step the lifecycle does not allow (rules.incidents)
    ├── ActionError          an operator action the picture cannot take now (engine.live)
    └── ForbiddenError, NotFoundError, BodyTooLargeError    HTTP answers (api.errors)

Each package defines its own beside its code; they all derive from these, so a caller can
catch `BorderwatchError` at the top (the CLI does, and prints one line).

Library errors (msgspec, json, OSError) are translated at the edge with `raise ... from exc`,
so a user sees one clear line, and a developer still sees the cause.
"""

from __future__ import annotations

__all__ = ["BorderwatchError", "ConfigError", "DataError", "MessageError"]


class BorderwatchError(Exception):
    """Base of every error borderwatch raises on purpose."""


class ConfigError(BorderwatchError):
    """A configuration file (scenario, site layout, settings) is invalid."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class MessageError(BorderwatchError):
    """A wire message was rejected: `field` is a JSON path such as `$.lat` (`$`: the whole)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class DataError(BorderwatchError):
    """An input file or directory a command needs is missing or malformed."""
