"""Incidents and the operators' work on them: acknowledge, assign a patrol, add a note,
resolve with an outcome, release to a partner agency, shelve an alarm for a while (with
a reason, at most `rules.alarms.shelve_max_s`), propose it to a partner's patrol, on its
device connected to our listener or over the partner's link (`service.joint_patrols`:
released by the partner's policy, recorded in the disclosure ledger, logged as a note naming
the patrol; its answers come back as notes).

Each action is an `OperatorAction` by the token's user, stamped with the wall clock and the
body's `why`, checked against the current picture, logged, then applied (`Service.act`): so
the audit trail holds every step, and only steps that took. With fusion workers (`run
--stations`), an action on one of their incidents goes to the room's `DESK` instead
(`stations.desk`), and each one the desk took is logged into the same trail, its `DESK` seq
in `params.desk` (`Service.record_desk`), before the operator has the answer.

A partner reads the incidents released to its agency and nothing else; any other incident
is "not found" to it, so it cannot learn that one exists. What a partner reads goes through
its releasability policy (`borderwatch.api.exchange.disclose`): coarsened, delayed,
stripped, and recorded.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated

import msgspec
from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from borderwatch.accounts import Claims, allowed, is_partner_agency, may_read_incident
from borderwatch.api.audit import AuditEntry, entries
from borderwatch.api.auth import Require, act_as
from borderwatch.api.errors import NotFoundError
from borderwatch.api.exchange import disclose, is_partner
from borderwatch.api.schema import MsgspecResponse, json_body, request_doc, returns
from borderwatch.api.state import ApiState, incidents_of, picture_of, state_of
from borderwatch.engine import ActionError
from borderwatch.messages import (
    Alert,
    AlertCategory,
    Incident,
    IncidentState,
    OperatorAction,
    Outcome,
)
from borderwatch.messages.action import Text
from borderwatch.messages.common import Id
from borderwatch.service.joint_patrols import propose_to_devices

if TYPE_CHECKING:
    from borderwatch.stations.console import RoomConsole

__all__ = [
    "AcknowledgeBody",
    "ActionResult",
    "AssignBody",
    "IncidentDetail",
    "NoteBody",
    "ProposeBody",
    "ReleaseBody",
    "ResolveBody",
    "ShelveBody",
    "router",
]

router = APIRouter(prefix="/incidents", tags=["incidents"], default_response_class=MsgspecResponse)
_read = Depends(Require("read_incidents", "read_released_incidents"))


class AcknowledgeBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Acknowledge: an operator has seen the incident."""

    why: Text = ""


class AssignBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Send a patrol (its call sign); an assigned incident may be given another patrol."""

    patrol: Id
    why: Text = ""


class ProposeBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Propose the incident to a partner's patrol (its call sign here, e.g. `ly/LY-P1`)."""

    patrol: Id
    why: Text = ""


class ResolveBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Close the incident with what happened."""

    outcome: Outcome
    why: Text = ""


class NoteBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A note on the incident; its text is the action's `why`."""

    text: Annotated[Text, msgspec.Meta(min_length=1)]


# Incidents are released to partners: national agencies see every incident anyway.
PartnerAgency = Annotated[
    str, msgspec.Meta(pattern=r"^partner:[a-z]{2}$", description="partner:<iso2>")
]


class ReleaseBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Clear a partner agency (`partner:<iso2>`) to see the incident."""

    agency: PartnerAgency
    why: Text = ""


class ShelveBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Shelve the alarm: out of its queue for `minutes` (at most `rules.alarms.shelve_max_s`),
    for a reason (required: the audit trail says why an alarm was silenced)."""

    minutes: Annotated[float, msgspec.Meta(gt=0, le=10_080)]  # at most a week; rules.alarms cap it
    why: Annotated[Text, msgspec.Meta(min_length=1)]


class ActionResult(msgspec.Struct, frozen=True, kw_only=True):
    """The action as logged, and the incident after it."""

    action: OperatorAction
    incident: Incident


class IncidentDetail(msgspec.Struct, frozen=True, kw_only=True):
    """One incident with its alerts, its notes, and every action taken on it (oldest first).
    A partner gets the incident alone."""

    incident: Incident
    alerts: list[Alert]
    notes: list[OperatorAction]
    history: list[AuditEntry]


def _readable(request: Request, claims: Claims, incident_id: str) -> Incident:
    inc = incidents_of(request).get(incident_id)
    if inc is None or not may_read_incident(claims.role, claims.agency, inc.releasable_to):
        raise NotFoundError(f"no incident {incident_id!r}")
    return inc


@router.get("", summary="Incidents, latest change first", responses=returns(list[Incident]))
async def incidents(
    request: Request,
    claims: Annotated[Claims, _read],
    state: IncidentState | None = None,
    sector: Annotated[str | None, Query(max_length=64)] = None,
    category: AlertCategory | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    """At most `limit` incidents the caller may read, in `state`, `sector` and `category`
    if given (`category=system`: the health queue, our equipment's faults, one per cause;
    `intrusion`: the intrusion queue); a partner's as its releasability policy gives them
    (coarsened, delayed, stripped)."""
    api = state_of(request)
    partner = is_partner(claims)
    found = [
        i
        for i in incidents_of(request).values()
        # A partner's incidents are decided by its policy alone (below).
        if (partner or may_read_incident(claims.role, claims.agency, i.releasable_to))
        and (state is None or i.state == state)
        and (sector is None or i.sector == sector)
        and (category is None or i.category == category)
    ]
    found.sort(key=lambda i: (i.updated_ns, i.id), reverse=True)
    if partner:
        released = await disclose(api, claims, found, "api_incidents", limit=limit)
        found = [r.item for r in released if isinstance(r.item, Incident)]
    return MsgspecResponse(found[:limit])


@router.get(
    "/{incident_id}",
    summary="One incident, its alerts, notes and history",
    responses=returns(IncidentDetail, 404),
)
async def incident(
    request: Request, incident_id: str, claims: Annotated[Claims, _read]
) -> Response:
    """The incident; with its alerts, notes and audit history for national roles."""
    api = state_of(request)
    if is_partner(claims):  # the incident alone, as its policy releases it (or "not found")
        found = incidents_of(request).get(incident_id)
        released = await disclose(api, claims, [found] if found else [], "api_incident")
        if not released or not isinstance(released[0].item, Incident):
            raise NotFoundError(f"no incident {incident_id!r}")
        return MsgspecResponse(
            IncidentDetail(incident=released[0].item, alerts=[], notes=[], history=[])
        )
    inc = _readable(request, claims, incident_id)
    known = picture_of(request).alerts
    room = _room(api)
    alerts: list[Alert] = []
    notes: list[OperatorAction] = []
    history: list[AuditEntry] = []
    if allowed(claims.role, "read_alerts"):
        alerts = [known[a] for a in inc.alert_ids if a in known]
    if allowed(claims.role, "read_incidents"):
        # the workers' incident: its notes are `DESK`'s; its history, as any incident's, is
        # the audit trail's rows on it (the desk's actions logged: Service.record_desk)
        notes = (
            room.follower.desk.notes(inc.id)
            if room is not None
            else list(api.service.engine.notes.get(inc.id, ()))
        )
        history = await asyncio.to_thread(entries, api.service.log.audit(target=inc.id))
    return MsgspecResponse(
        IncidentDetail(incident=inc, alerts=alerts, notes=notes, history=history)
    )


async def _act(
    request: Request, claims: Claims, incident_id: str, action: OperatorAction
) -> Response:
    api = state_of(request)
    _readable(request, claims, incident_id)  # 404 before 409: an unknown id is not a conflict
    room = _room(api)
    inc: Incident | None
    if room is not None:  # the workers' incident: the action goes to `DESK`
        action, inc = await room.follower.act(action)
    else:
        inc = await api.service.act(action)
    assert inc is not None  # an incident action that took changed (or noted) an incident
    return MsgspecResponse(ActionResult(action=action, incident=inc))


def _room(api: ApiState) -> RoomConsole | None:
    """The room console if the workers' picture is the one shown (its incidents are the
    ones worked, `stations.desk`), else None (the engine's)."""
    room = api.settings.room
    return room if room is not None and room.active else None


_ACTED = returns(ActionResult, 404, 409)


@router.post(
    "/{incident_id}/acknowledge",
    summary="Acknowledge a new incident",
    responses=_ACTED,
    openapi_extra=request_doc(AcknowledgeBody),
)
async def acknowledge(
    request: Request,
    incident_id: str,
    claims: Annotated[Claims, Depends(Require("acknowledge"))],
    body: Annotated[AcknowledgeBody, Depends(json_body(AcknowledgeBody))],
) -> Response:
    """new → acknowledged."""
    action = act_as(state_of(request), claims, "acknowledge", incident_id, body.why)
    return await _act(request, claims, incident_id, action)


@router.post(
    "/{incident_id}/assign",
    summary="Assign a patrol",
    responses=_ACTED,
    openapi_extra=request_doc(AssignBody),
)
async def assign(
    request: Request,
    incident_id: str,
    claims: Annotated[Claims, Depends(Require("assign"))],
    body: Annotated[AssignBody, Depends(json_body(AssignBody))],
) -> Response:
    """acknowledged (or assigned) → assigned to `patrol` (one of ours: a partner's patrol is
    proposed to, `/propose`, never assigned)."""
    api = state_of(request)
    theirs = api.service.engine.patrols.get(body.patrol)
    if theirs is not None and is_partner_agency(theirs.agency):
        raise ActionError(f"{body.patrol} is {theirs.agency}'s patrol: propose it (/propose)")
    action = act_as(api, claims, "assign", incident_id, body.why, patrol=body.patrol)
    return await _act(request, claims, incident_id, action)


@router.post(
    "/{incident_id}/propose",
    summary="Propose to a partner's patrol, on its device or over the partner's link",
    responses=_ACTED,
    openapi_extra=request_doc(ProposeBody),
)
async def propose(
    request: Request,
    incident_id: str,
    claims: Annotated[Claims, Depends(Require("assign"))],
    body: Annotated[ProposeBody, Depends(json_body(ProposeBody))],
) -> Response:
    """Send the incident, as the partner's policy releases it, to one of the partner's
    patrols (a marker and a GeoChat): on the patrol's own device if it is connected to our
    listener, else over the link to the partner's TAK server. 409 naming why if the patrol
    is not a partner's, neither way is open, or the policy releases nothing of it (which
    rule)."""
    api = state_of(request)
    inc = _readable(request, claims, incident_id)
    engine = api.service.engine
    tak = api.service.tak
    patrol = engine.patrols.get(body.patrol)
    if patrol is None or not is_partner_agency(patrol.agency):
        raise ActionError(f"{body.patrol} is not a partner's patrol we have heard from")
    said = f": {body.why}" if body.why else ""
    why = f"proposed to {patrol.agency} patrol {patrol.callsign}{said}"
    # The patrol itself, on our listener, is the most direct way; else the partner's server.
    devices = tak.partner_devices(patrol)
    link = None
    if devices:
        way = {"device": devices[0].peer.identity or ""}
    else:
        links = [f for f in tak.federation.links if f.link.partner == patrol.agency]
        if not links:
            raise ActionError(
                f"{patrol.callsign}'s device is not connected, and there is no link to"
                f" {patrol.agency}'s TAK server (DATA/tak.toml federation)"
            )
        link = next((f for f in links if f.state == "connected"), links[0])
        way = {"link": link.name}
    action = act_as(
        api, claims, "note", incident_id, why,
        proposal=patrol.callsign, partner=patrol.agency, **way,
    )  # fmt: skip
    if link is None:
        await propose_to_devices(tak, devices, inc, action)
    else:
        await link.joint.propose(inc, patrol, action)
    return MsgspecResponse(ActionResult(action=action, incident=incidents_of(request)[incident_id]))


@router.post(
    "/{incident_id}/notes",
    summary="Add a note",
    responses=_ACTED,
    openapi_extra=request_doc(NoteBody),
)
async def note(
    request: Request,
    incident_id: str,
    claims: Annotated[Claims, Depends(Require("note"))],
    body: Annotated[NoteBody, Depends(json_body(NoteBody))],
) -> Response:
    """A note, in any state."""
    action = act_as(state_of(request), claims, "note", incident_id, body.text)
    return await _act(request, claims, incident_id, action)


@router.post(
    "/{incident_id}/resolve",
    summary="Resolve with an outcome",
    responses=_ACTED,
    openapi_extra=request_doc(ResolveBody),
)
async def resolve(
    request: Request,
    incident_id: str,
    claims: Annotated[Claims, Depends(Require("resolve"))],
    body: Annotated[ResolveBody, Depends(json_body(ResolveBody))],
) -> Response:
    """Any open state → resolved, with `outcome`."""
    api = state_of(request)
    action = act_as(api, claims, "resolve", incident_id, body.why, outcome=body.outcome)
    return await _act(request, claims, incident_id, action)


@router.post(
    "/{incident_id}/release",
    summary="Release to a partner agency",
    responses=_ACTED,
    openapi_extra=request_doc(ReleaseBody),
)
async def release(
    request: Request,
    incident_id: str,
    claims: Annotated[Claims, Depends(Require("release"))],
    body: Annotated[ReleaseBody, Depends(json_body(ReleaseBody))],
) -> Response:
    """Let `agency` (a partner) read this incident from now on."""
    api = state_of(request)
    action = act_as(api, claims, "release", incident_id, body.why, agency=body.agency)
    return await _act(request, claims, incident_id, action)


@router.post(
    "/{incident_id}/shelve",
    summary="Shelve an alarm for a while, with a reason",
    responses=_ACTED,
    openapi_extra=request_doc(ShelveBody),
)
async def shelve(
    request: Request,
    incident_id: str,
    claims: Annotated[Claims, Depends(Require("acknowledge"))],
    body: Annotated[ShelveBody, Depends(json_body(ShelveBody))],
) -> Response:
    """Out of its queue until now + `minutes` (the service's clock); an alert that raises its
    priority brings it back at once. Logged, so audited and replayed."""
    api = state_of(request)
    now = api.service.clock()
    until = str(now + round(body.minutes * 60e9))
    action = act_as(api, claims, "shelve", incident_id, body.why, until_ns=until)
    action = msgspec.structs.replace(action, time_ns=now)
    return await _act(request, claims, incident_id, action)


@router.post(
    "/{incident_id}/unshelve",
    summary="Bring a shelved alarm back before its shelf ends",
    responses=_ACTED,
    openapi_extra=request_doc(AcknowledgeBody),
)
async def unshelve(
    request: Request,
    incident_id: str,
    claims: Annotated[Claims, Depends(Require("acknowledge"))],
    body: Annotated[AcknowledgeBody, Depends(json_body(AcknowledgeBody))],
) -> Response:
    """Shelved → back in its queue."""
    action = act_as(state_of(request), claims, "unshelve", incident_id, body.why)
    return await _act(request, claims, incident_id, action)
