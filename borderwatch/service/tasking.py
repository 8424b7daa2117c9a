"""A patrol tasked on its device when an operator assigns it.

When the change feed carries an `assign` action (whoever made it: the API, the console),
every connected device whose certificate's CN is the patrol's callsign receives, addressed
to it with `marti/dest` (the chat threaded under the device's ATAK uid, learnt from its own
position report): the incident's marker at the predicted crossing (the latest of its
alerts' predictions, else the incident's own place), a GeoChat message saying so with the
ETA by road, and the route there along the layout's roads (`ops.roads`, from the patrol's
last reported position). The marker and the chat go at once; the route, a Dijkstra search
off the event loop, follows within `route_wait_s` or as soon as it is found, so a slow
first build of the road network never delays the order itself.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import numpy as np

from borderwatch.geo import build_sectors, load_border
from borderwatch.geo.projection import to_lonlat, to_utm
from borderwatch.messages import Incident, OperatorAction, Patrol
from borderwatch.ops.dispatch import DispatchConfig
from borderwatch.ops.roads import RoadNetwork, road_network
from borderwatch.share.cot import route_xml, tasking_xml

if TYPE_CHECKING:
    from borderwatch.service.tak import Client, TakClients

__all__ = ["Tasking"]

log = logging.getLogger(__name__)

LatLon = tuple[float, float]


class Tasking:
    """Sends each assignment to the assigned patrol's devices."""

    def __init__(self, hub: TakClients, route_wait_s: float = 0.5) -> None:
        self.hub = hub
        self.route_wait_s = route_wait_s
        self.dispatch = DispatchConfig()
        self.no_device = 0  # assignments of patrols with no device connected
        self._tasks: set[asyncio.Task[None]] = set()
        self._roads: RoadNetwork | None = None

    def roads(self) -> RoadNetwork:
        """The watched sectors' road network (built once; blocking: call off the loop)."""
        if self._roads is None:
            watched = self.hub.service.options.sectors
            sectors = [
                s for s in build_sectors(load_border()) if watched is None or s.id in watched
            ]
            self._roads = road_network(sectors)
        return self._roads

    def assigned(self, action: OperatorAction) -> None:
        """An `assign` action was applied: task the patrol's devices (without waiting)."""
        task = asyncio.create_task(self._task(action), name=f"tasking-{action.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def target(self, incident: Incident) -> LatLon:
        """Where the patrol should go: the latest predicted crossing of the incident's
        alerts, else the incident's place."""
        alerts = self.hub.picture.alerts
        predicted = [
            a for aid in incident.alert_ids if (a := alerts.get(aid)) and a.predicted_crossing
        ]
        if predicted:
            pc = max(predicted, key=lambda a: a.time_ns).predicted_crossing
            assert pc is not None
            return pc.lat, pc.lon
        return incident.lat, incident.lon

    def route(self, patrol: Patrol, at: LatLon) -> tuple[list[LatLon], float]:
        """The road route (lat, lon points) from the patrol to `at`, and its ETA (s).
        Blocking (a Dijkstra search): call off the loop."""
        roads = self.roads()
        x, y = to_utm([patrol.lon, at[1]], [patrol.lat, at[0]])
        start, goal = (float(x[0]), float(y[0])), (float(x[1]), float(y[1]))
        speed = self.dispatch.speeds_mps.get(patrol.agency, self.dispatch.default_speed_mps)
        eta = float(roads.cost_m(goal, np.array([start]))[0]) / speed
        points = roads.route(start, goal)
        lon, lat = to_lonlat(points[:, 0], points[:, 1])
        return [(float(a), float(o)) for a, o in zip(lat, lon, strict=True)], eta

    async def _route(self, patrol: Patrol, at: LatLon) -> tuple[list[LatLon], float] | None:
        try:
            return await asyncio.to_thread(self.route, patrol, at)
        except Exception:  # a point off every road: the order still goes, without a route
            log.warning("no road route for %s to %s", patrol.callsign, at, exc_info=True)
            return None

    async def _task(self, action: OperatorAction) -> None:
        hub = self.hub
        picture = hub.picture  # the console's: a fusion workers' incident is assigned too
        callsign = action.params.get("patrol", "")
        incident = picture.incidents.get(action.target or "")
        clients = [c for c in hub.national() if c.peer.identity == callsign]
        if incident is None or not clients:
            self.no_device += incident is not None
            return
        at = self.target(incident)
        now = hub.service.clock()
        patrol = picture.patrols.get(callsign)
        routing = None if patrol is None else asyncio.ensure_future(self._route(patrol, at))
        found: tuple[list[LatLon], float] | None = None
        if routing is not None:
            done, _ = await asyncio.wait([routing], timeout=self.route_wait_s)
            found = routing.result() if done else None
        route, eta = found if found is not None else ([], None)
        for client in clients:
            # The chat threads under the device's own uid (its position report's), as ATAK
            # addresses a direct message; its callsign until it has sent one.
            events = tasking_xml(
                incident, device_uid=client.peer.device_uid or callsign, callsign=callsign,
                time_ns=now, at=at, eta_s=eta, route=route,
            )  # fmt: skip
            self._send([client], events)
        hub.stats.taskings += 1
        if routing is not None and found is None:  # the route follows the order
            late = await routing
            if late is not None and len(late[0]) >= 2:
                xml = route_xml(late[0], incident_id=incident.id, time_ns=now, dest=[callsign])
                self._send(clients, [xml])

    def _send(self, clients: list[Client], events: list[bytes]) -> None:
        from borderwatch.service.tak import Encoded

        for client in clients:
            self.hub.send(client, [Encoded(e) for e in events])
