"""What each TAK client asks for (`share.cot.ClientFilter`: sectors, a box, kinds), by its
certificate's CN, from the admin's file `DATA/tak.toml` (see `borderwatch.service.tak`)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import msgspec

from borderwatch.errors import ConfigError
from borderwatch.share.cot import ClientFilter

__all__ = ["TakFilters", "load_filters"]


class TakFilters(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What TAK clients ask for: by certificate CN, else `default`."""

    default: ClientFilter = msgspec.field(default_factory=ClientFilter)
    clients: dict[str, ClientFilter] = msgspec.field(default_factory=dict)

    def of(self, identity: str | None) -> ClientFilter:
        """The filter of the client with this CN (None: a plain TCP client)."""
        return self.default if identity is None else self.clients.get(identity, self.default)


def load_filters(path: Path) -> TakFilters:
    """The clients' filters from `path` (none there: everything for everyone);
    `ConfigError` naming the file and the field if it is wrong."""
    if not path.exists():
        return TakFilters()
    try:
        return msgspec.convert(tomllib.loads(path.read_text(encoding="utf-8")), TakFilters)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(str(path), f"cannot read: {exc}") from exc
    except msgspec.ValidationError as exc:
        raise ConfigError(str(path), str(exc)) from exc
