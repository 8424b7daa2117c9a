"""Who may do what: roles, agencies, and the one permission table every endpoint checks.

A user belongs to an agency and holds one role. National agencies are `army`,
`national_guard` and `customs`; a partner country is `partner:<iso2>` (`partner:dz`,
`partner:ly`), lower-case ISO 3166-1 alpha-2, which fits the wire `Id` and is what an incident's
`releasable_to` lists. Only partner agencies hold the `partner` role, and they hold no other:
a partner's account can never be made an operator by mistake. Likewise the civilian
`oversight` body (a parliamentary committee, an inspectorate) is its own agency, `oversight`,
whose accounts hold the `oversight` role and only they do.

`PERMISSIONS` is the single source of truth; the API checks every endpoint against it, the
tests iterate over it, and this grid (`render_table()`, checked by a test) shows it:

    permission               operator commander analyst admin partner gateway oversight officer
    read_sensors             x        x         x       x     .       .       .         .
    read_sectors             x        x         x       x     .       .       .         .
    read_tracks              x        x         x       .     .       .       .         .
    read_alerts              x        x         x       .     .       .       .         .
    read_incidents           x        x         x       .     .       .       .         .
    read_released_incidents  .        .         .       .     x       .       .         .
    read_patrols             x        x         x       .     .       .       .         .
    read_audit               .        x         x       x     .       .       x         .
    read_reports             .        x         x       .     .       .       x         .
    acknowledge              x        x         .       .     .       .       .         .
    assign                   x        x         .       .     .       .       .         .
    resolve                  x        x         .       .     .       .       .         .
    note                     x        x         .       .     .       .       .         .
    release                  .        x         .       .     .       .       .         .
    manage_users             .        .         .       x     .       .       .         .
    post_detections          .        .         .       .     .       x       .         .
    record_passages          .        .         .       .     .       .       .         x
    read_passages            .        .         x       .     .       .       .         .
    read_list_entries        .        .         x       .     x       .       .         .

Why: operators work incidents; commanders do too, and also release incidents to partners and
read the audit trail; analysts read everything, audit included, and act on nothing; admins
manage accounts, read the audit trail and see the sensors and sectors (system health) but not
the operational picture, and do not work incidents (separation of duties); partners read only
the incidents released to their own agency (`may_read_incident`).

`oversight` is for those who oversee the forces (a parliamentary committee, an inspector):
they read the governance reports (`read_reports`, with commanders and analysts) and the audit
trail with its verification, and act on nothing and see no live picture. Operators' and
travellers' names reach them only where the deployment's law allows it (`DATA/oversight.toml`,
`[law] personal_data`); otherwise every name in what they read is a stable pseudonym, and
each report they open is itself an audited action (`borderwatch.api.oversight`).

`gateway` is a sixth role, for machine accounts an admin makes for the HTTP gateways that post
sensor messages (detections and sensor status). A role, not an operator account, so that a
gateway's token, which lives on a box in the desert, can post detections and read nothing.

Checkpoints (issue 17): `officer` is the crossing posts' role, held in `customs` or
`national_guard` (`OFFICER_AGENCIES`). An officer records passages and second-line decisions
and sees the passages of the post(s) an admin bound them to (`api.checkpoints`), nothing of
the border picture. An analyst searches passages only with a stated reason (audited).
A partner reads the lookout-list entries its own agency supplied, and nothing of travellers.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from types import MappingProxyType
from typing import Literal, get_args

from borderwatch.accounts.errors import InvalidAccountError

__all__ = [
    "NATIONAL_AGENCIES",
    "OFFICER_AGENCIES",
    "OVERSIGHT_AGENCY",
    "PERMISSIONS",
    "PERMISSION_NAMES",
    "ROLES",
    "Permission",
    "Role",
    "allowed",
    "check_account",
    "check_agency",
    "check_role",
    "is_partner_agency",
    "may_read_incident",
    "permissions_of",
    "render_table",
]

Role = Literal[
    "operator", "commander", "analyst", "admin", "partner", "gateway", "oversight", "officer"
]
ROLES: tuple[Role, ...] = get_args(Role)

Permission = Literal[
    "read_sensors",
    "read_sectors",
    "read_tracks",
    "read_alerts",
    "read_incidents",
    "read_released_incidents",
    "read_patrols",
    "read_audit",
    "read_reports",
    "acknowledge",
    "assign",
    "resolve",
    "note",
    "release",
    "manage_users",
    "post_detections",
    # Checkpoints (issue 17): see the section "Checkpoints" below.
    "record_passages",
    "read_passages",  # any post's, with a stated reason (audited)
    "read_list_entries",
]
PERMISSION_NAMES: tuple[Permission, ...] = get_args(Permission)

NATIONAL_AGENCIES: tuple[str, ...] = ("army", "national_guard", "customs")
OVERSIGHT_AGENCY = "oversight"
_PARTNER = re.compile(r"^partner:[a-z]{2}$")

_WATCH: frozenset[Role] = frozenset({"operator", "commander", "analyst"})
_WORK: frozenset[Role] = frozenset({"operator", "commander"})

PERMISSIONS: Mapping[Permission, frozenset[Role]] = MappingProxyType(
    {
        "read_sensors": _WATCH | {"admin"},
        "read_sectors": _WATCH | {"admin"},
        "read_tracks": _WATCH,
        "read_alerts": _WATCH,
        "read_incidents": _WATCH,
        "read_released_incidents": frozenset({"partner"}),
        "read_patrols": _WATCH,
        "read_audit": frozenset({"commander", "analyst", "admin", "oversight"}),
        "read_reports": frozenset({"commander", "analyst", "oversight"}),
        "acknowledge": _WORK,
        "assign": _WORK,
        "resolve": _WORK,
        "note": _WORK,
        "release": frozenset({"commander"}),
        "manage_users": frozenset({"admin"}),
        "post_detections": frozenset({"gateway"}),
        # Checkpoints: see the module docstring's last paragraph.
        "record_passages": frozenset({"officer"}),
        "read_passages": frozenset({"analyst"}),
        "read_list_entries": frozenset({"analyst", "partner"}),
    }
)
# Post officers work for the border police and customs at the posts, not for the army.
OFFICER_AGENCIES: tuple[str, ...] = ("customs", "national_guard")


def allowed(role: str, permission: Permission) -> bool:
    """True if `role` holds `permission` (an unknown role holds nothing)."""
    return role in PERMISSIONS[permission]


def permissions_of(role: str) -> frozenset[Permission]:
    """Every permission `role` holds."""
    return frozenset(p for p, roles in PERMISSIONS.items() if role in roles)


def may_read_incident(role: str, agency: str, releasable_to: Collection[str]) -> bool:
    """True if this user may see an incident released to `releasable_to`."""
    if allowed(role, "read_incidents"):
        return True
    return allowed(role, "read_released_incidents") and agency in releasable_to


def is_partner_agency(agency: str) -> bool:
    """True for `partner:<iso2>`."""
    return _PARTNER.match(agency) is not None


def check_role(role: str) -> Role:
    """`role` if it is one of `ROLES`, else `InvalidAccountError` naming the choices."""
    for known in ROLES:
        if role == known:
            return known
    raise InvalidAccountError("role", f"unknown role {role!r}; one of {', '.join(ROLES)}")


def check_agency(agency: str) -> str:
    """`agency` if it is a national agency, `oversight` or `partner:<iso2>`, else
    `InvalidAccountError`."""
    if agency in NATIONAL_AGENCIES or agency == OVERSIGHT_AGENCY or is_partner_agency(agency):
        return agency
    raise InvalidAccountError(
        "agency",
        f"unknown agency {agency!r}; one of {', '.join(NATIONAL_AGENCIES)}, {OVERSIGHT_AGENCY}, "
        "or partner:<iso2> (a partner country, e.g. partner:dz)",
    )


def check_account(role: str, agency: str) -> tuple[Role, str]:
    """Both checked, and the partner role held by partner agencies and by no one else."""
    checked_role, checked_agency = check_role(role), check_agency(agency)
    if checked_role == "officer" and checked_agency not in OFFICER_AGENCIES:
        raise InvalidAccountError(
            "agency",
            f"post officers belong to {' or '.join(OFFICER_AGENCIES)}, not {checked_agency!r}",
        )
    if (checked_role == "partner") != is_partner_agency(checked_agency):
        raise InvalidAccountError(
            "role",
            f"role {checked_role!r} does not fit agency {checked_agency!r}: "
            "partner agencies hold the partner role, and only they do",
        )
    if (checked_role == "oversight") != (checked_agency == OVERSIGHT_AGENCY):
        raise InvalidAccountError(
            "role",
            f"role {checked_role!r} does not fit agency {checked_agency!r}: "
            "the oversight agency holds the oversight role, and only it does",
        )
    return checked_role, checked_agency


def render_table() -> str:
    """`PERMISSIONS` as the grid shown in this module's docstring (x: allowed)."""
    width = max(map(len, PERMISSION_NAMES)) + 2
    lines = ["permission".ljust(width) + " ".join(ROLES)]
    for permission in PERMISSION_NAMES:
        marks = [("x" if r in PERMISSIONS[permission] else ".").ljust(len(r)) for r in ROLES]
        lines.append((permission.ljust(width) + " ".join(marks)).rstrip())
    return "\n".join(lines)
