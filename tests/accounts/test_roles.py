"""The permission table: the properties a border operations room expects of it, checked over
every role and permission, and the docstring grid kept equal to the table."""

from __future__ import annotations

from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

import borderwatch.accounts.roles as roles_module
from borderwatch.accounts import (
    NATIONAL_AGENCIES,
    PERMISSION_NAMES,
    PERMISSIONS,
    ROLES,
    InvalidAccountError,
    Permission,
    allowed,
    check_account,
    check_agency,
    check_role,
    may_read_incident,
    permissions_of,
    render_table,
)

ACTIONS: frozenset[Permission] = frozenset(
    {
        *("acknowledge", "assign", "resolve", "note", "release", "manage_users"),
        "post_detections",
        "record_passages",  # checkpoints: recording passages and decisions at a lane
    }
)
INCIDENT_WORK: frozenset[Permission] = frozenset({"acknowledge", "assign", "resolve", "note"})
READS = frozenset(p for p in PERMISSION_NAMES if p.startswith("read_"))


def test_the_table_covers_every_permission_and_only_known_roles() -> None:
    assert tuple(PERMISSIONS) == PERMISSION_NAMES
    assert set(PERMISSION_NAMES) == READS | ACTIONS
    for permission, holders in PERMISSIONS.items():
        assert holders, f"nobody holds {permission}"
        assert holders <= set(ROLES), permission


@pytest.mark.parametrize("role", ROLES)
def test_every_role_can_do_something(role: str) -> None:
    assert permissions_of(role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("permission", PERMISSION_NAMES)
def test_allowed_is_the_table(role: str, permission: Permission) -> None:
    assert allowed(role, permission) == (role in PERMISSIONS[permission])
    assert (permission in permissions_of(role)) == allowed(role, permission)


def test_partner_reads_nothing_but_released_incidents() -> None:
    # and, at the checkpoints, the list entries it supplied itself (api.checkpoints filters)
    assert permissions_of("partner") == {"read_released_incidents", "read_list_entries"}
    assert PERMISSIONS["read_released_incidents"] == {"partner"}


def test_analysts_read_everything_and_act_on_nothing() -> None:
    assert permissions_of("analyst") == READS - {"read_released_incidents"}
    assert not permissions_of("analyst") & ACTIONS


def test_operators_work_incidents_and_commanders_also_release_and_audit() -> None:
    assert permissions_of("operator") >= INCIDENT_WORK
    assert permissions_of("commander") >= permissions_of("operator") | {"release", "read_audit"}
    assert not allowed("operator", "release")
    assert not allowed("operator", "read_audit")
    assert PERMISSIONS["release"] == {"commander"}


def test_admins_manage_accounts_and_read_audit_but_do_not_work_incidents() -> None:
    assert {"manage_users", "read_audit"} <= permissions_of("admin")
    assert not permissions_of("admin") & (INCIDENT_WORK | {"release"})
    assert PERMISSIONS["manage_users"] == {"admin"}
    # System health, not the operational picture.
    assert not allowed("admin", "read_tracks")
    assert not allowed("admin", "read_incidents")


def test_gateways_post_detections_and_nothing_else() -> None:
    assert permissions_of("gateway") == {"post_detections"}
    assert PERMISSIONS["post_detections"] == {"gateway"}


def test_oversight_reads_reports_and_the_audit_trail_and_acts_on_nothing() -> None:
    assert permissions_of("oversight") == {"read_reports", "read_audit"}
    assert not permissions_of("oversight") & ACTIONS
    # No live picture: what oversight reads is the record, aggregated, and the trail.
    for p in ("read_tracks", "read_alerts", "read_incidents", "read_patrols"):
        assert not allowed("oversight", p)
    assert PERMISSIONS["read_reports"] == {"commander", "analyst", "oversight"}


@pytest.mark.parametrize(
    ("role", "agency", "ok"),
    [
        ("oversight", "oversight", True),
        ("oversight", "army", False),
        ("operator", "oversight", False),
        ("partner", "oversight", False),
    ],
)
def test_the_oversight_role_belongs_to_the_oversight_agency(
    role: str, agency: str, ok: bool
) -> None:
    if ok:
        assert check_account(role, agency) == (role, agency)
    else:
        with pytest.raises(InvalidAccountError, match="does not fit"):
            check_account(role, agency)


def test_unknown_role_holds_nothing() -> None:
    assert permissions_of("root") == frozenset()
    assert not any(allowed("root", p) for p in PERMISSION_NAMES)


def test_docstring_grid_is_the_table() -> None:
    doc = roles_module.__doc__
    assert doc is not None
    assert render_table().replace("\n", "\n    ") in doc


agencies = st.sampled_from([*NATIONAL_AGENCIES, "partner:dz", "partner:ly", "partner:it"])


@given(
    role=st.sampled_from(ROLES),
    agency=agencies,
    released=st.lists(agencies, max_size=3),
)
def test_who_may_read_an_incident(role: str, agency: str, released: list[str]) -> None:
    visible = may_read_incident(role, agency, released)
    if role in ("operator", "commander", "analyst"):
        assert visible
    elif role == "partner":
        assert visible == (agency in released)
    else:  # admin, gateway, oversight
        assert not visible


def test_partner_cannot_read_what_was_released_to_another_partner() -> None:
    assert may_read_incident("partner", "partner:dz", ["partner:dz"])
    assert not may_read_incident("partner", "partner:dz", ["partner:ly"])
    assert not may_read_incident("partner", "partner:dz", [])


@pytest.mark.parametrize("agency", [*NATIONAL_AGENCIES, "partner:dz", "partner:ly"])
def test_good_agencies(agency: str) -> None:
    assert check_agency(agency) == agency


@pytest.mark.parametrize(
    "agency", ["navy", "Army", "partner:", "partner:DZ", "partner:dza", "partner:d", "dz", ""]
)
def test_bad_agencies(agency: str) -> None:
    with pytest.raises(InvalidAccountError, match="unknown agency") as info:
        check_agency(agency)
    assert info.value.field == "agency"


def test_bad_role() -> None:
    with pytest.raises(InvalidAccountError, match="unknown role 'king'; one of operator"):
        check_role("king")
    assert get_args(roles_module.Role) == ROLES


@pytest.mark.parametrize(
    ("role", "agency", "ok"),
    [
        ("partner", "partner:dz", True),
        ("operator", "army", True),
        ("gateway", "customs", True),
        ("partner", "army", False),
        ("operator", "partner:ly", False),
        ("admin", "partner:ly", False),
    ],
)
def test_partner_role_belongs_to_partner_agencies(role: str, agency: str, ok: bool) -> None:
    if ok:
        assert check_account(role, agency) == (role, agency)
    else:
        with pytest.raises(InvalidAccountError, match="does not fit"):
            check_account(role, agency)


@pytest.mark.parametrize(
    ("agency", "ok"),
    [("customs", True), ("national_guard", True), ("army", False), ("partner:ly", False)],
)
def test_post_officers_belong_to_customs_or_the_national_guard(agency: str, ok: bool) -> None:
    # Checkpoints (issue 17): the posts are worked by the border police and customs.
    if ok:
        assert check_account("officer", agency) == ("officer", agency)
    else:
        with pytest.raises(InvalidAccountError, match="post officers belong to") as info:
            check_account("officer", agency)
        assert info.value.field == "agency"
