"""The picture as Cursor on Target, pure (no I/O): tracks, alerts, incidents and patrols as
CoT events, a GeoChat message and a patrol's tasking addressed to one device; XML, and TAK
protocol v1 through `to_proto` (takproto, as pytak sends it).

- A track's type is its MIL-STD-2525 atom from its class and affiliation (`const.TRACK_TYPES`);
  `ce` is the 1-sigma error of its position, the square root of the larger eigenvalue of the
  2x2 position block of its covariance (CoT's `ce`, as ingest reads it); `le` is unknown
  (ground tracks carry no height); course (true north) and speed from its velocity; `stale`
  from its age: a live track is shown 60 s past its time, a coasting one 15 s, a deleted one
  is stale at once (and `delete_xml` takes it off the map).
- Alerts and incidents are spot-map markers, coloured by priority, with their story in
  `<remarks>` and `<link>`s to the tracks they concern.
- A tasking is the incident's marker, the route to it along the roads (`b-m-r`, from
  `borderwatch.ops.roads`) and a GeoChat message, all addressed with
  `<marti><dest callsign=.../></marti>` to the patrol's device only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from borderwatch.geo.projection import grid_factors
from borderwatch.ingest.cot._text import attr, format_time, text_out
from borderwatch.ingest.cot.const import UNKNOWN_ERROR
from borderwatch.ingest.cot.encode import encode_xml as _encode_inbound
from borderwatch.ingest.cot.encode import to_proto
from borderwatch.messages import Alert, Incident, Patrol, Track
from borderwatch.share.cot.const import (
    CHAT_TYPE,
    DELETE_TYPE,
    MARKER_TYPE,
    ROUTE_TYPE,
    SERVER_CALLSIGN,
    SERVER_UID,
    TRACK_TYPES,
)

__all__ = [
    "alert_xml",
    "chat_xml",
    "delete_xml",
    "incident_xml",
    "patrol_xml",
    "route_xml",
    "tasking_xml",
    "to_proto",
    "track_ce_m",
    "track_course_speed",
    "track_type",
    "track_uid",
    "track_xml",
]

_S = 1_000_000_000
_STALE_S = {"tentative": 60, "confirmed": 60, "coasting": 15, "deleted": 0}
_MARKER_STALE_S = 3600  # an alert or incident marker: an hour, refreshed as it changes
# ARGB by priority: P1 red, P2 orange, P3 yellow, P4 white.
_COLOUR = {1: -65536, 2: -23296, 3: -256, 4: -1}


def track_uid(track_id: str) -> str:
    """The CoT uid of a track (stable, so updates replace the marker)."""
    return f"borderwatch.track.{track_id}"


def track_type(track: Track) -> str:
    """The MIL-STD-2525 atom for the track's class and affiliation."""
    return TRACK_TYPES["friendly" if track.friendly else track.classes.best()]


def track_ce_m(track: Track) -> float:
    """1-sigma circular error (m): sqrt of the larger eigenvalue of the position covariance
    (rows/cols 0 and 2 of the [x, vx, y, vy] covariance); unknown without a covariance."""
    if len(track.cov) != 16:
        return UNKNOWN_ERROR
    c = track.cov
    block = np.array([[c[0], c[2]], [c[8], c[10]]], float)
    return float(math.sqrt(max(float(np.linalg.eigvalsh(block).max()), 0.0)))


def track_course_speed(track: Track) -> tuple[float, float]:
    """(course, degrees from true north in [0, 360); speed, m/s) from the UTM velocity."""
    _, vx, _, vy = track.state
    speed = math.hypot(vx, vy)
    if speed == 0.0:
        return 0.0, 0.0
    convergence, _ = grid_factors(track.lon, track.lat)
    # Grid azimuth plus the meridian convergence is the true azimuth.
    course = (math.degrees(math.atan2(vx, vy) + convergence)) % 360.0
    return course, speed


def _point(lat: float, lon: float, ce: float = UNKNOWN_ERROR) -> str:
    return (
        f'<point lat="{lat!r}" lon="{lon!r}" hae="{UNKNOWN_ERROR!r}" ce="{ce!r}" '
        f'le="{UNKNOWN_ERROR!r}"/>'
    )


def _event(cot_type: str, uid: str, time_ns: int, stale_ns: int, how: str, inner: str) -> bytes:
    t = format_time(time_ns)
    return (
        f'<event version="2.0" uid="{attr(uid)}" type="{cot_type}" time="{t}" start="{t}" '
        f'stale="{format_time(time_ns + stale_ns)}" how="{how}">{inner}</event>'
    ).encode()


def _remarks(text: str, **attrs: str) -> str:
    extra = "".join(f' {k}="{attr(v)}"' for k, v in attrs.items())
    return f"<remarks{extra}>{_text(text)}</remarks>"


def _text(value: str) -> str:
    """Element text: free text made XML-safe, then escaped."""
    return text_out(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _dest(callsigns: Sequence[str]) -> str:
    if not callsigns:
        return ""
    return "<marti>" + "".join(f'<dest callsign="{attr(c)}"/>' for c in callsigns) + "</marti>"


def track_xml(track: Track) -> bytes:
    """A track as a CoT event (see the module docstring)."""
    course, speed = track_course_speed(track)
    cls = "friendly" if track.friendly else track.classes.best()
    p = track.classes
    remarks = (
        f"{cls} track {track.id} in {track.sector}, {track.status}; "
        f"p(person) {p.person:.2f} p(vehicle) {p.vehicle:.2f} p(animal) {p.animal:.2f}; "
        f"group of {track.group_size}; sensors {' '.join(track.sensors) or '-'}"
    )
    inner = (
        f"{_point(track.lat, track.lon, track_ce_m(track))}<detail>"
        f'<contact callsign="{attr(f"{cls[0].upper()}-{track.id}")}"/>'
        f'<track course="{course!r}" speed="{speed!r}"/>'
        f"{_remarks(remarks)}</detail>"
    )
    stale = _STALE_S[track.status] * _S
    return _event(track_type(track), track_uid(track.id), track.time_ns, stale, "m-f", inner)


def _links(track_ids: Sequence[str]) -> str:
    return "".join(
        f'<link uid="{attr(track_uid(t))}" type="a-u-G" relation="p-p"/>' for t in track_ids
    )


def alert_xml(alert: Alert) -> bytes:
    """An alert as a marker: priority colour, its rule and summary, links to its tracks."""
    text = f"P{alert.priority} {alert.rule} alert {alert.id}"
    if alert.sector:
        text += f" in {alert.sector}"
    if alert.summary:
        text += f": {alert.summary}"
    if alert.predicted_crossing is not None:
        pc = alert.predicted_crossing
        text += f"; predicted crossing {pc.lat:.5f} {pc.lon:.5f}"
    inner = (
        f"{_point(alert.lat, alert.lon)}<detail>"
        f'<contact callsign="{attr(f"P{alert.priority} {alert.rule}")}"/>'
        f'<color argb="{_COLOUR[alert.priority]}"/>'
        f"{_links(alert.track_ids)}{_remarks(text)}</detail>"
    )
    uid = f"borderwatch.alert.{alert.id}"
    return _event(MARKER_TYPE, uid, alert.time_ns, _MARKER_STALE_S * _S, "m-f", inner)


def _incident_remarks(incident: Incident) -> str:
    text = f"P{incident.priority} incident {incident.id} in {incident.sector}: {incident.state}"
    if incident.assigned_patrol:
        text += f", patrol {incident.assigned_patrol}"
    if incident.outcome:
        text += f", {incident.outcome}"
    if incident.alert_ids:
        text += f"; alerts {' '.join(incident.alert_ids)}"
    return text


def incident_xml(
    incident: Incident, *, dest: Sequence[str] = (), at: tuple[float, float] | None = None
) -> bytes:
    """An incident as a marker (at `at`, e.g. the predicted crossing, else its own place),
    addressed to `dest` callsigns if given (else to whoever the connection serves)."""
    lat, lon = at if at is not None else (incident.lat, incident.lon)
    inner = (
        f"{_point(lat, lon)}<detail>"
        f'<contact callsign="{attr(f"INC {incident.id}")}"/>'
        f'<color argb="{_COLOUR[incident.priority]}"/>'
        f"{_links(incident.track_ids)}{_remarks(_incident_remarks(incident))}"
        f"{_dest(dest)}</detail>"
    )
    uid = f"borderwatch.incident.{incident.id}"
    return _event(MARKER_TYPE, uid, incident.updated_ns, _MARKER_STALE_S * _S, "h-g-i-g-o", inner)


def patrol_xml(patrol: Patrol) -> bytes:
    """A friendly patrol (a-f-G-U-C, its callsign, course and speed): the encoding ingest
    reads back exactly (`borderwatch.ingest.cot.encode`)."""
    return _encode_inbound(patrol)


def chat_xml(
    text: str,
    *,
    message_id: str,
    time_ns: int,
    to_uid: str,
    to_callsign: str,
    at: tuple[float, float] = (0.0, 0.0),
) -> bytes:
    """A GeoChat message (`b-t-f`) from the operations room to one device, as ATAK writes a
    direct message: `__chat` with the chat group of the two, `remarks` with the text, and
    `marti/dest` so a TAK server delivers it to that device only."""
    room = to_uid
    uid = f"GeoChat.{SERVER_UID}.{to_uid}.{message_id}"
    inner = (
        f"{_point(*at)}<detail>"
        f'<__chat parent="RootContactGroup" groupOwner="false" chatroom="{attr(to_callsign)}" '
        f'id="{attr(room)}" senderCallsign="{SERVER_CALLSIGN}">'
        f'<chatgrp uid0="{SERVER_UID}" uid1="{attr(to_uid)}" id="{attr(room)}"/></__chat>'
        f'<link uid="{SERVER_UID}" type="a-f-G-U-C" relation="p-p"/>'
        f"{_remarks(text, source=f'BAO.F.ATAK.{SERVER_UID}', to=to_uid, time=format_time(time_ns))}"
        f"{_dest([to_callsign])}</detail>"
    )
    return _event(CHAT_TYPE, uid, time_ns, 86_400 * _S, "h-g-i-g-o", inner)


def tasking_xml(
    incident: Incident,
    *,
    device_uid: str,
    callsign: str,
    time_ns: int,
    at: tuple[float, float] | None = None,
    eta_s: float | None = None,
    route: Sequence[tuple[float, float]] = (),
) -> list[bytes]:
    """What a patrol's device receives when it is assigned: the incident's marker (at the
    predicted crossing if given), the route there along the roads (lat, lon points, if
    given) and a GeoChat message saying so, all addressed to it."""
    lat, lon = at if at is not None else (incident.lat, incident.lon)
    text = f"Tasked to {_incident_remarks(incident)}. Go to {lat:.5f} {lon:.5f}"
    if eta_s is not None:
        text += f", ETA {round(eta_s / 60)} min by road"
    text += '. Reply "on scene" on arrival, "resolved" with the outcome.'
    marker = incident_xml(incident, dest=[callsign], at=(lat, lon))
    chat = chat_xml(
        text,
        message_id=f"task-{incident.id}-{time_ns}",
        time_ns=time_ns,
        to_uid=device_uid,
        to_callsign=callsign,
        at=(lat, lon),
    )
    if len(route) >= 2:
        return [
            marker,
            route_xml(route, incident_id=incident.id, time_ns=time_ns, dest=[callsign]),
            chat,
        ]
    return [marker, chat]


def route_xml(
    points: Sequence[tuple[float, float]],
    *,
    incident_id: str,
    time_ns: int,
    dest: Sequence[str] = (),
) -> bytes:
    """A driving route (`b-m-r`, as ATAK's route tool writes one) through `points` (lat,
    lon), checkpoints in order, addressed to `dest` callsigns if given."""
    uid = f"borderwatch.route.{incident_id}"
    links = "".join(
        f'<link uid="{uid}.{i}" callsign="CP{i}" type="b-m-p-c" point="{lat!r},{lon!r}" '
        f'relation="c"/>'
        for i, (lat, lon) in enumerate(points)
    )
    lat0, lon0 = points[0]
    inner = (
        f"{_point(lat0, lon0)}<detail>{links}"
        '<link_attr planningmethod="Infil" color="-16776961" method="Driving" prefix="CP" '
        'type="Vehicle" stroke="3" direction="Infil" routetype="Primary" '
        'order="Ascending Check Points"/>'
        f'<contact callsign="{attr(f"Route to {incident_id}")}"/>'
        f"<__routeinfo><__navcues/></__routeinfo>{_dest(dest)}</detail>"
    )
    return _event(ROUTE_TYPE, uid, time_ns, _MARKER_STALE_S * _S, "h-e", inner)


def delete_xml(uid: str, time_ns: int) -> bytes:
    """Take the item `uid` off the map (`t-x-d-d` with a link to it), as ATAK does."""
    inner = (
        f'{_point(0.0, 0.0)}<detail><link uid="{attr(uid)}" relation="p-p" type="none"/>'
        f"<__forcedelete/></detail>"
    )
    return _event(DELETE_TYPE, f"{uid}.delete", time_ns, 20 * _S, "h-g-i-g-o", inner)
