"""The service's data directory, and where each of its files lives, so the service and the
command line agree.

    DATA/accounts.sqlite   users (UserStore)
    DATA/token.key         the token signing key (tokens.signing_key), mode 0600
    DATA/pki/              the certificate authority (borderwatch.pki)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["DEFAULT_DATA_DIR", "DataDir"]

DEFAULT_DATA_DIR = Path("borderwatch-data")


@dataclass(frozen=True, slots=True)
class DataDir:
    """Paths inside one data directory (nothing is created until `create()`)."""

    root: Path = DEFAULT_DATA_DIR

    @property
    def accounts(self) -> Path:
        """The users' SQLite file."""
        return self.root / "accounts.sqlite"

    @property
    def token_key(self) -> Path:
        """The secret that signs bearer tokens."""
        return self.root / "token.key"

    @property
    def pki(self) -> Path:
        """The certificate authority's directory."""
        return self.root / "pki"

    def create(self) -> DataDir:
        """Make the directory (owner-only when new: it holds keys and password hashes)."""
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        return self
