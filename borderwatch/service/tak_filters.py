"""What each TAK client asks for (`share.cot.ClientFilter`: sectors, a box, kinds), by its
certificate's CN, from the admin's file `DATA/tak.toml` (see `borderwatch.service.tak`), and
the links out to partners' TAK servers in the same file (`[federation.NAME]`:
`borderwatch.service.partner_links`)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated

import msgspec

from borderwatch.errors import ConfigError
from borderwatch.service.partner_links import PartnerLink, check_links
from borderwatch.share.cot import ClientFilter

__all__ = ["TakFilters", "load_filters"]

LinkName = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")]


class TakFilters(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What TAK clients ask for: by certificate CN, else `default`; and the links out to
    partners' TAK servers, by name."""

    default: ClientFilter = msgspec.field(default_factory=ClientFilter)
    clients: dict[str, ClientFilter] = msgspec.field(default_factory=dict)
    federation: dict[LinkName, PartnerLink] = msgspec.field(default_factory=dict)

    def of(self, identity: str | None) -> ClientFilter:
        """The filter of the client with this CN (None: a plain TCP client)."""
        return self.default if identity is None else self.clients.get(identity, self.default)


def load_filters(path: Path) -> TakFilters:
    """The clients' filters and the partner links from `path` (none there: everything for
    everyone, no links); `ConfigError` naming the file and the field if it is wrong, or if a
    link's certificate files (under the file's directory, the data directory) are missing."""
    if not path.exists():
        return TakFilters()
    try:
        filters = msgspec.convert(tomllib.loads(path.read_text(encoding="utf-8")), TakFilters)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(str(path), f"cannot read: {exc}") from exc
    except msgspec.ValidationError as exc:
        raise ConfigError(str(path), str(exc)) from exc
    check_links(filters.federation, path.parent, str(path))
    return filters
