"""borderwatch's own exceptions, one tree so callers can catch at the right depth.

    BorderwatchError
    ├── ConfigError          a scenario, site layout or settings file is wrong (names field)
    ├── MessageError         a wire message failed validation (names the field and the reason)
    └── DataError            an input directory or file is missing or unreadable for a command

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
