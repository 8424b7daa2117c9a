"""The deployment's oversight settings, `DATA/oversight.toml` (all optional):

    [law]
    personal_data = false  # may oversight see operators' and travellers' names? (default no)

    [sectors]              # the sectors each person works: an action elsewhere is unusual
    alice = ["N01", "N02"]

    [unusual]
    bulk_views_per_hour = 20   # one person viewing this many traveller records in an hour

What the law allows differs between deployments (a parliamentary committee may see names,
an inspector only pseudonyms), so it is a setting, read once, never a code path. Where names
are not allowed, each person is shown as a pseudonym that stays the same from report to
report (a keyed hash, the key kept in `DATA/oversight/pseudonym.key`), so a pattern across
weeks is still visible.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

import msgspec

from borderwatch.errors import ConfigError

__all__ = ["Law", "OversightSettings", "Pseudonyms", "Unusual", "load_settings"]


class Law(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What the deployment's law lets oversight see."""

    personal_data: bool = False


class Unusual(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Thresholds of unusual access."""

    bulk_views_per_hour: int = msgspec.field(default=20)


class OversightSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """`DATA/oversight.toml`, parsed."""

    law: Law = Law()
    sectors: dict[str, list[str]] = {}
    unusual: Unusual = Unusual()


def load_settings(data_root: Path) -> OversightSettings:
    """The settings in `data_root/oversight.toml` (defaults if there is none)."""
    path = data_root / "oversight.toml"
    if not path.exists():
        return OversightSettings()
    try:
        return msgspec.toml.decode(path.read_bytes(), type=OversightSettings)
    except (OSError, msgspec.DecodeError) as exc:
        raise ConfigError(str(path), str(exc)) from exc


class Pseudonyms:
    """Stable pseudonyms for people's names, keyed by the deployment's own secret."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    @classmethod
    def of_data(cls, data_root: Path) -> Pseudonyms:
        """The deployment's key (made, owner-only, on first use)."""
        path = data_root / "oversight" / "pseudonym.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(secrets.token_bytes(32))
        return cls(path.read_bytes())

    def of(self, name: str) -> str:
        """`name` as `P-` and 8 hex digits."""
        digest = hashlib.blake2b(name.encode(), key=self._key, digest_size=4).hexdigest()
        return f"P-{digest}"
