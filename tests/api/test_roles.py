"""Every endpoint × every role, from the route table and the permission table: a role that
holds the permission gets 2xx, any other 403. A route that checks no permission fails here
(only login is public). Partners see the incidents released to their agency and nothing
else: an unreleased one is "not found", exactly like one that does not exist."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.routing import APIRoute

from borderwatch.accounts import ROLES, Role, allowed
from borderwatch.api.app import PREFIX, api_routes
from borderwatch.api.auth import route_permissions
from borderwatch.messages import OperatorAction
from borderwatch.oversight.library import ReportLibrary

from .checkpoints_data import INNOCENT, OFFICER, POST, lane, listed_passage
from .conftest import BY_ROLE, PATROL, Api

PUBLIC = {("POST", "/api/v1/token")}
ROUTES = [
    (method, PREFIX + route.path, route)
    for route in api_routes()
    for method in sorted(route.methods or ())
]


def _incident(api: Api, route: APIRoute, role: Role) -> str:
    needs = route_permissions(route) or ()
    if route.name == "propose":  # refused either way, before anything is done (see below)
        return min(api.service.engine.incidents)
    if route.name in ("acknowledge", "assign", "resolve", "note", "release"):
        if not any(allowed(role, p) for p in needs):
            return min(api.service.engine.incidents)  # refused before it is looked at
        return api.incident_for(route.name)
    if route.name in ("shelve", "unshelve"):
        if not any(allowed(role, p) for p in needs):
            return min(api.service.engine.incidents)
        return _shelvable(api, shelved=route.name == "unshelve")
    if role == "partner":  # a partner reads what was released to it
        iid = api.incident_for("release")
        api.act("release", iid, agency="partner:ly")
        return iid
    return min(api.service.engine.incidents)


def _shelvable(api: Api, shelved: bool) -> str:
    """An open incident; shelved first if `shelved` (so it can be unshelved)."""
    incidents = api.service.engine.incidents
    iid = next(i for i in sorted(incidents) if incidents[i].state != "resolved")
    if shelved and incidents[iid].shelved_until_ns is None:
        now = time.time_ns()
        action = OperatorAction(
            id=api.service.new_action_id(),
            user="setup",
            agency="national_guard",
            role="commander",
            time_ns=now,
            action="shelve",
            target=iid,
            why="for the role matrix",
            params={"until_ns": str(now + 60 * 10**9)},
        )
        api.call(api.service.act, action)
    return iid


def _day(api: Api) -> str:
    """The day of the feed's picture (a governance report's date)."""
    t = api.service.engine.tracks_time_ns
    return dt.datetime.fromtimestamp(t / 1e9, dt.UTC).date().isoformat()


def _kept_report(api: Api, route: APIRoute, role: Role) -> str:
    """A kept governance report's file name (made once, in English HTML only)."""
    library = ReportLibrary(api.service.options.data.root)
    kept = [r.name for r in library.kept() if r.format == "html"]
    if not kept:
        engine = api.service.engine
        made = library.make("daily", _day(api), ("en",), ("html",), engine.config, engine.registry)
        kept = [made[-1].name]
    return kept[0]


# An existing thing for each path parameter.
PATH: dict[str, Callable[[Api, APIRoute, Role], str]] = {
    "incident_id": _incident,
    "sensor_id": lambda api, route, role: "T05-R",
    "sector_id": lambda api, route, role: "N03",
    "track_id": lambda api, route, role: min(api.service.engine.tracks),
    "alert_id": lambda api, route, role: min(api.service.engine.alerts),
    "callsign": lambda api, route, role: PATROL,
    # `name`: an officer's (checkpoints), or a kept governance report's.
    "name": lambda api, route, role: (
        OFFICER if "/officers/" in route.path else _kept_report(api, route, role)
    ),
    # Checkpoints: a fresh passage with a lookout hit (so its decision can be taken).
    "pid": lambda api, route, role: listed_passage(api),
    "post": lambda api, route, role: POST,
}


def _detection(api: Api) -> list[dict[str, Any]]:
    return [
        {
            "type": "status",
            "sensor_id": "T05-R",
            "kind": "radar",
            "seq": 10**9,
            "time_ns": api.service.engine.tracks_time_ns,
        }
    ]


# A good body for each route that takes one (by route name).
BODY: dict[str, Callable[[Api], Any]] = {
    "acknowledge": lambda api: {"why": "seen on the radar"},
    "assign": lambda api: {"patrol": PATROL, "why": "nearest"},
    "note": lambda api: {"text": "two on foot"},
    "propose": lambda api: {"patrol": "ly/LY-P1", "why": "joint patrol"},
    "resolve": lambda api: {"outcome": "turned_back", "why": "patrol saw them go back"},
    "release": lambda api: {"agency": "partner:ly", "why": "crossing toward Libya"},
    "shelve": lambda api: {"minutes": 10, "why": "herd by the berm"},
    "unshelve": lambda api: {},
    "post_detections": _detection,
    "make": lambda api: {
        "period": "daily",
        "date": _day(api),
        "langs": ["en"],
        "formats": ["html"],
    },
    "record_passage": lambda api: lane(INNOCENT),
    "decide_passage": lambda api: {"decision": "cleared", "why": "a namesake"},
    "bind_officer": lambda api: {"posts": [POST]},
}
# Query parameters a route needs (by route name).
QUERY: dict[str, str] = {
    "search_passages": "?name=gaddafi&why=role+matrix",
    "read_passage": "?why=role+matrix",
}


def test_every_route_checks_a_permission() -> None:
    for method, path, route in ROUTES:
        if (method, path) not in PUBLIC:
            assert route_permissions(route) is not None, f"{method} {path} checks no token"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "path", "route"),
    [r for r in ROUTES if r[:2] not in PUBLIC],
    ids=[f"{m} {p}" for m, p, _ in ROUTES if (m, p) not in PUBLIC],
)
def test_role_matrix(api: Api, method: str, path: str, route: APIRoute, role: Role) -> None:
    needs = route_permissions(route)
    assert needs is not None
    may = not needs or any(allowed(role, p) for p in needs)
    url = path
    for name in route.param_convertors:
        value = PATH[name](api, route, role)
        url = url.replace(f"{{{name}}}", value).replace(f"{{{name}:path}}", value)
    url += QUERY.get(route.name, "")
    body = BODY[route.name](api) if method in ("POST", "PUT") and route.name in BODY else None
    r = api.client.request(method, url, json=body, headers=api.auth(BY_ROLE[role]))
    if may and route.name == "propose":
        # Past the role check, refused by what is there: this service has no partner link
        # nor partner patrol (the success path: tests/api/test_tak_federation.py).
        assert r.status_code == 409, f"{role}: {r.status_code} {r.text}"
        assert "not a partner's patrol" in r.json()["detail"]
    elif may:
        assert 200 <= r.status_code < 300, f"{role}: {r.status_code} {r.text}"
    else:
        assert r.status_code == 403, f"{role}: {r.status_code} {r.text}"
        assert all(p in r.json()["detail"] for p in needs)


def test_a_partner_sees_only_what_is_released_to_its_agency(api: Api) -> None:
    dz = api.auth("dz1")
    released = frozenset(i.id for i in api.service.engine.incidents.values() if i.releasable_to)
    unreleased = api.incident_for("release", exclude=released)
    listed = api.client.get("/api/v1/incidents", headers=dz).json()
    incidents = api.service.engine.incidents
    assert all("partner:dz" in incidents[i["id"]].releasable_to for i in listed)
    assert all("releasable_to" not in i for i in listed)  # never who else was given it
    assert unreleased not in {i["id"] for i in listed}
    hidden = api.client.get(f"/api/v1/incidents/{unreleased}", headers=dz)
    missing = api.client.get("/api/v1/incidents/I999999", headers=dz)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["detail"] == f"no incident {unreleased!r}"  # as if it did not exist
    # Acting on it is forbidden by role before anything is looked up.
    assert (
        api.client.post(
            f"/api/v1/incidents/{unreleased}/notes", json={"text": "x"}, headers=dz
        ).status_code
        == 403
    )

    r = api.client.post(
        f"/api/v1/incidents/{unreleased}/release",
        json={"agency": "partner:dz", "why": "heading for Algeria"},
        headers=api.auth("cmd1"),
    )
    assert r.status_code == 200, r.text
    assert "partner:dz" in r.json()["incident"]["releasable_to"]
    seen = api.client.get(f"/api/v1/incidents/{unreleased}", headers=dz)
    assert seen.status_code == 200
    # The incident alone: no alerts, notes or history (who did what) for a partner.
    assert seen.json()["incident"]["id"] == unreleased
    assert (seen.json()["alerts"], seen.json()["notes"], seen.json()["history"]) == ([], [], [])
    assert unreleased in {i["id"] for i in api.client.get("/api/v1/incidents", headers=dz).json()}
    # Released to Algeria is not released to Libya.
    ly = api.client.get(f"/api/v1/incidents/{unreleased}", headers=api.auth("ly1"))
    assert ly.status_code == 404


def test_release_only_to_a_partner_agency(api: Api) -> None:
    iid = api.incident_for("release")
    r = api.client.post(
        f"/api/v1/incidents/{iid}/release",
        json={"agency": "customs"},
        headers=api.auth("cmd1"),
    )
    assert r.status_code == 422
    assert r.json()["field"] == "$.agency"
