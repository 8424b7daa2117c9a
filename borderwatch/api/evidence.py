"""An incident's evidence on the map: the detections its alerts cite, read back from the log.

`GET /incidents/{id}/detections` gathers the keys (`sensor_id/seq`) in the evidence of the
incident's alerts and finds those detections in the event log between 15 minutes before its
first alert and a minute after its last one (a track's evidence is older than the alert it
raised; the reorder window lets a detection be logged a little after a later one). The log has
no index by sensor or time: the first event of the window is found by bisection over seq
(`replay.first_seq_at`), then the window is read in seq order, at most `MAX_EVENTS` detections
(a few seconds of work); a busier window is cut there and said to be (`complete` false).

Each detection comes back with a place on the map: a position kind's own; a radar's range and
bearing turned into one along the geodesic (the fusion feed's grid shortcut agrees to cm); a
camera's bearing has no range, so it comes back at its sensor with `bearing_deg`, for the map
to draw a ray.

Same rule as the incident itself: a partner reads only the incidents released to it (any other
is "not found"), and, as it does not read alerts, gets no detections from them.
"""

from __future__ import annotations

from typing import Annotated

import anyio
import msgspec
import numpy as np
from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from borderwatch.accounts import Claims, allowed, may_read_incident
from borderwatch.api.auth import Require
from borderwatch.api.errors import NotFoundError
from borderwatch.api.replay import first_seq_at
from borderwatch.api.schema import MsgspecResponse, returns
from borderwatch.api.state import state_of
from borderwatch.geo.projection import destination
from borderwatch.geo.registry import Registry
from borderwatch.messages import Alert, Detection, SensorKind
from borderwatch.store import EventLog, Kind

__all__ = [
    "AFTER_S",
    "BEFORE_S",
    "MAX_EVENTS",
    "EvidenceDetection",
    "IncidentDetections",
    "find_detections",
    "router",
]

router = APIRouter(prefix="/incidents", tags=["incidents"], default_response_class=MsgspecResponse)
_read = Depends(Require("read_incidents", "read_released_incidents"))

# The window read around the incident's alerts, and how much of it at most.
BEFORE_S = 15 * 60.0
AFTER_S = 60.0
MAX_EVENTS = 200_000
_KINDS: tuple[Kind, ...] = ("detection",)


class EvidenceDetection(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One cited detection where the map draws it (WGS 84). A camera's is its sensor's place,
    with `bearing_deg` (true) the direction it saw the target in."""

    key: str
    sensor_id: str
    kind: SensorKind
    time_ns: int
    lat: float
    lon: float
    bearing_deg: float | None = None


class IncidentDetections(msgspec.Struct, frozen=True, kw_only=True):
    """The detections the incident's alerts cite (in log order), the window read (UTC ns),
    how many detections were read, the cited keys not found, and whether the read covered
    the whole window (false: cut at `MAX_EVENTS`)."""

    incident_id: str
    from_ns: int
    to_ns: int
    events: int
    complete: bool
    detections: list[EvidenceDetection]
    missing: list[str]


def _placed(found: list[Detection], registry: Registry) -> list[EvidenceDetection]:
    radars = [d for d in found if d.kind == "radar" and d.sensor_id in registry.radars]
    # All radar detections at once: one geodesic call.
    sites = [registry.radars[d.sensor_id] for d in radars]
    lon, lat = destination(
        np.array([s.lon for s in sites], float),
        np.array([s.lat for s in sites], float),
        np.array([d.bearing_deg for d in radars], float),
        np.array([d.range_m for d in radars], float),
    )
    radar_at = {d.key: (float(y), float(x)) for d, x, y in zip(radars, lon, lat, strict=True)}
    out: list[EvidenceDetection] = []
    for d in found:
        bearing = None
        if d.kind == "radar":
            if d.key not in radar_at:
                continue  # a sensor no longer in the layout: nowhere to draw it
            y, x = radar_at[d.key]
        elif d.kind == "camera":
            site = registry.places.get(d.sensor_id)
            if site is None:
                continue
            y, x, bearing = site.lat, site.lon, d.bearing_deg
        else:
            assert d.lat is not None
            assert d.lon is not None
            y, x = d.lat, d.lon
        out.append(
            EvidenceDetection(
                key=d.key,
                sensor_id=d.sensor_id,
                kind=d.kind,
                time_ns=d.time_ns,
                lat=y,
                lon=x,
                bearing_deg=bearing,
            )
        )
    return out


def find_detections(
    log: EventLog, registry: Registry, incident_id: str, alerts: list[Alert]
) -> IncidentDetections:
    """The detections `alerts` cite, read from the log around the alerts' times (at most
    `MAX_EVENTS` detections read)."""
    keys = {k for a in alerts for k in a.detection_keys}
    if not keys:
        return IncidentDetections(
            incident_id=incident_id,
            from_ns=0,
            to_ns=0,
            events=0,
            complete=True,
            detections=[],
            missing=[],
        )
    from_ns = min(a.time_ns for a in alerts) - round(BEFORE_S * 1e9)
    to_ns = max(a.time_ns for a in alerts) + round(AFTER_S * 1e9)
    after = first_seq_at(log, from_ns) - 1
    events = 0
    complete = False
    found: list[Detection] = []
    for event in log.read(after=after, limit=MAX_EVENTS, kinds=_KINDS):
        events += 1
        if event.time_ns > to_ns:
            complete = True
            break
        d = event.message
        if isinstance(d, Detection) and d.time_ns >= from_ns and d.key in keys:
            found.append(d)
    else:
        complete = events < MAX_EVENTS  # the log ended inside the window
    got = {d.key for d in found}
    return IncidentDetections(
        incident_id=incident_id,
        from_ns=from_ns,
        to_ns=to_ns,
        events=events,
        complete=complete,
        detections=_placed(found, registry),
        missing=sorted(keys - got),
    )


@router.get(
    "/{incident_id}/detections",
    summary="The detections an incident's alerts cite, placed on the map",
    responses=returns(IncidentDetections, 404),
)
async def incident_detections(
    request: Request, incident_id: str, claims: Annotated[Claims, _read]
) -> Response:
    """The incident's evidence detections, each with a place (a camera's with its bearing)."""
    service = state_of(request).service
    engine = service.engine
    inc = engine.incidents.get(incident_id)
    if inc is None or not may_read_incident(claims.role, claims.agency, inc.releasable_to):
        raise NotFoundError(f"no incident {incident_id!r}")
    alerts: list[Alert] = []
    if allowed(claims.role, "read_alerts"):  # the evidence is the alerts'
        alerts = [engine.alerts[a] for a in inc.alert_ids if a in engine.alerts]
    # In a worker thread, as replay does: the service's loop keeps taking events meanwhile.
    done = await anyio.to_thread.run_sync(
        find_detections, service.log, service.registry, inc.id, alerts
    )
    return MsgspecResponse(done)
