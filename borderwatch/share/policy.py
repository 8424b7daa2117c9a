"""Releasability policies: what one partner agency may be given, written down in a file.

One TOML file per partner, readable by the people who sign the agreement it comes from:

    partner = "partner:dz"        # the agency the policy is for (partner:<iso2>)
    version = 3                   # bump on every change: each release records it
    kinds = ["incidents", "sector_status"]   # incidents, alerts, tracks, sector_status
    sectors = ["S01", "S02"]      # or ["*"] for every sector
    delay_s = 900                 # nothing younger than 15 min goes out
    precision_m = 1000            # positions coarsened to a 1 km grid (UTM 32N cells)
    strip = ["incident.assigned_patrol", "alert.evidence"]   # fields never sent
    retention_days = 30           # how long the partner may keep what it gets
    onward_release = false        # it may not pass it on
    released_incidents_only = true   # an incident needs a commander's release as well

Files are parsed once, into frozen msgspec Structs; a wrong file is a `ConfigError` naming the
file and the field (`strip[1]`, `precision_m`). A partner without a file gets `DEFAULT_POLICY`
made out to it: released incidents only, on a 1 km grid, nothing else.
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection
from pathlib import Path
from typing import Annotated, Literal, get_args

import msgspec

from borderwatch.errors import ConfigError
from borderwatch.messages.codec import _to_message_error

__all__ = [
    "DEFAULT_POLICY",
    "ITEM_KINDS",
    "STRIPPABLE",
    "ItemKind",
    "PartnerAgency",
    "Policy",
    "load_policies",
    "load_policy",
    "policy_for",
]

ItemKind = Literal["incidents", "alerts", "tracks", "sector_status"]
ITEM_KINDS: tuple[ItemKind, ...] = get_args(ItemKind)
PartnerAgency = Annotated[
    str, msgspec.Meta(pattern=r"^partner:[a-z]{2}$", description="partner:<iso2>")
]
ALL_SECTORS = "*"
SectorId = Annotated[str, msgspec.Meta(pattern=r"^(\*|[A-Za-z0-9_.:\-]{1,64})$")]

# Fields a policy may strip, by item (`incident.track_ids`). Required fields (id, sector,
# position, time) cannot be stripped: coarsen or delay instead. A stripped field goes back to
# its default, which the wire leaves out, so only fields whose default says "nothing known"
# are here (a priority or a count set to its default would lie). `releasable_to` is not here:
# it is always stripped (a partner never learns who else was given an item).
STRIPPABLE: dict[str, frozenset[str]] = {
    "incident": frozenset({"alert_ids", "track_ids", "assigned_patrol"}),
    "alert": frozenset({"evidence", "track_ids", "summary", "predicted_crossing", "cls"}),
    "track": frozenset({"sensors", "classes", "quality", "velocity"}),
}


class Policy(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What one partner may receive: kinds, sectors, how late, how precise, what is stripped,
    how long it may be kept, and whether it may pass it on. See the module docstring."""

    partner: PartnerAgency
    version: Annotated[int, msgspec.Meta(ge=0, le=2**31)]
    kinds: tuple[ItemKind, ...]
    sectors: tuple[SectorId, ...]
    delay_s: Annotated[float, msgspec.Meta(ge=0.0, le=30 * 86400.0)]
    precision_m: Annotated[float, msgspec.Meta(ge=10.0, le=100_000.0)]
    retention_days: Annotated[float, msgspec.Meta(gt=0.0, le=3650.0)]
    strip: tuple[Annotated[str, msgspec.Meta(max_length=64)], ...] = ()
    onward_release: bool = False
    released_incidents_only: bool = True

    def __post_init__(self) -> None:
        for i, name in enumerate(self.strip):
            item, _, field = name.partition(".")
            if field not in STRIPPABLE.get(item, ()):
                choices = sorted(f"{k}.{f}" for k, fs in STRIPPABLE.items() for f in fs)
                raise ValueError(
                    f"`strip[{i}]`: {name!r} cannot be stripped; one of {', '.join(choices)}"
                )
        if len(set(self.kinds)) != len(self.kinds):
            raise ValueError("`kinds`: listed twice")

    def covers(self, sector: str | None) -> bool:
        """True if items of `sector` may go out (None: an item of no sector, only for '*')."""
        return ALL_SECTORS in self.sectors or (sector is not None and sector in self.sectors)

    def strips(self, item: str, field: str) -> bool:
        """True if `item.field` (e.g. `alert.evidence`) is stripped."""
        return f"{item}.{field}" in self.strip


def DEFAULT_POLICY(partner: str) -> Policy:  # noqa: N802 (reads as a constant at call sites)
    """What a partner with no policy file gets: incidents a commander released to it, on a
    1 km grid, without ids of our alerts and tracks or the patrol sent; kept 30 days."""
    return Policy(
        partner=partner,
        version=0,
        kinds=("incidents",),
        sectors=(ALL_SECTORS,),
        delay_s=0.0,
        precision_m=1000.0,
        retention_days=30.0,
        strip=("incident.alert_ids", "incident.track_ids", "incident.assigned_patrol"),
    )


def load_policy(path: Path) -> Policy:
    """One policy file; `ConfigError` naming the file and the field if it is wrong."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(str(path), f"cannot read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), f"not TOML: {exc}") from exc
    try:
        return msgspec.convert(raw, type=Policy)
    except msgspec.ValidationError as exc:
        error = _to_message_error(exc)
        raise ConfigError(str(path), f"{error.field}: {error.reason}") from exc


def load_policies(
    directory: Path, known_sectors: Collection[str] | None = None
) -> dict[str, Policy]:
    """Every `*.toml` in `directory` by partner (none if it does not exist); two files for
    one partner is an error, not a silent choice, and so is a sector not in
    `known_sectors` (a typo would otherwise release nothing, silently)."""
    policies: dict[str, Policy] = {}
    if not directory.is_dir():
        return policies
    for path in sorted(directory.glob("*.toml")):
        policy = load_policy(path)
        if known_sectors is not None:
            for i, sector in enumerate(policy.sectors):
                if sector != ALL_SECTORS and sector not in known_sectors:
                    raise ConfigError(
                        str(path),
                        f"`sectors[{i}]`: no sector {sector!r}; known: {sorted(known_sectors)}",
                    )
        if policy.partner in policies:
            raise ConfigError(str(path), f"`partner`: a second policy for {policy.partner!r}")
        policies[policy.partner] = policy
    return policies


def policy_for(policies: dict[str, Policy], partner: str) -> Policy:
    """The partner's policy, or the default made out to it."""
    return policies.get(partner) or DEFAULT_POLICY(partner)
