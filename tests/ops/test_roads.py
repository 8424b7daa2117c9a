"""Travel along the layout's roads: on a patrol road the cost is the road's own length,
off-road it costs more per metre, and no vehicle crosses the berm."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse.csgraph import connected_components
from shapely.geometry import Point

from borderwatch.geo import build_sectors, load_border
from borderwatch.geo.projection import to_lonlat
from borderwatch.geo.roads import patrol_road
from borderwatch.messages import Incident, Patrol
from borderwatch.ops import rank_patrols, road_network

SECTORS = build_sectors(load_border())
N03 = next(s for s in SECTORS if s.id == "N03")
S02 = next(s for s in SECTORS if s.id == "S02")


@pytest.mark.parametrize("sector", [N03, S02], ids=["berm", "open"])
def test_along_a_patrol_road_the_cost_is_the_roads_length(sector: object) -> None:
    road = patrol_road(sector)  # type: ignore[arg-type]
    net = road_network(SECTORS)
    a, b = road.interpolate(1_000.0), road.interpolate(road.length - 1_000.0)
    cost = net.cost_m((b.x, b.y), np.array([[a.x, a.y]]))[0]
    along = road.length - 2_000.0
    assert cost == pytest.approx(along, rel=0.01)
    assert cost > a.distance(b)  # the road is longer than the straight line


def test_off_road_costs_more_per_metre() -> None:
    net = road_network(SECTORS)
    road = patrol_road(N03)
    p = road.interpolate(5_000.0)
    inland = (p.x - 3_000.0, p.y)  # 3 km west of the road, deeper into Tunisia
    cost = net.cost_m(inland, np.array([[p.x, p.y]]))[0]
    # No cheaper than the off-road part alone, no dearer than driving straight there.
    assert Point(inland).distance(road) * net.desert_factor <= cost <= 3_000.0 * net.desert_factor
    assert cost > 3_000.0  # an off-road metre costs more than a road metre


def test_an_incident_beyond_the_berm_is_reached_at_the_berm() -> None:
    net = road_network(SECTORS)
    on_berm = N03.line.interpolate(8_000.0)
    beyond = (on_berm.x + 1_500.0, on_berm.y)  # east of the berm: the approach zone
    assert N03.approach.contains(Point(beyond))
    goal = net.reachable_goal(*beyond)
    assert Point(goal).distance(N03.line) < 1.0
    assert net.reachable_goal(on_berm.x - 1_500.0, on_berm.y) == (on_berm.x - 1_500.0, on_berm.y)


def test_dispatch_eta_is_the_road_at_the_agencys_speed() -> None:
    """Two patrols on N03's road, 6 and 7 km from the incident along it."""
    net = road_network(SECTORS)
    road = patrol_road(N03)
    goal = road.interpolate(10_000.0)
    lon, lat = to_lonlat(goal.x, goal.y)
    inc = Incident(id="I1", sector="N03", opened_ns=0, updated_ns=0, lat=float(lat), lon=float(lon))
    patrols = []
    for name, s in (("A", 4_000.0), ("B", 17_000.0)):
        p = road.interpolate(s)
        plon, plat = to_lonlat(p.x, p.y)
        patrols.append(
            Patrol(
                callsign=name, agency="national_guard", time_ns=0, lat=float(plat), lon=float(plon)
            )
        )
    ranked = rank_patrols(inc, patrols, {"I1": inc}, 0, roads=net)
    assert [r.callsign for r in ranked] == ["A", "B"]
    assert ranked[0].eta_s == pytest.approx(6_000.0 / 10.0, rel=0.01)  # 10 m/s: a 4x4
    assert ranked[1].eta_s == pytest.approx(7_000.0 / 10.0, rel=0.01)


def test_from_one_sector_to_the_next_along_the_roads() -> None:
    """The patrol roads of neighbouring sectors are joined: N02's to N04's is a drive along
    three roads, not a cross-country dash."""
    net = road_network(SECTORS)
    n02, n04 = (next(s for s in SECTORS if s.id == i) for i in ("N02", "N04"))
    a = patrol_road(n02).interpolate(10_000.0)
    b = patrol_road(n04).interpolate(10_000.0)
    along = (
        patrol_road(n02).length - 10_000.0 + patrol_road(N03).length + 10_000.0
    )  # the rest of N02's road, all of N03's, the first 10 km of N04's
    cost = net.cost_m((b.x, b.y), np.array([[a.x, a.y]]))[0]
    assert cost == pytest.approx(along, rel=0.03)
    assert cost < a.distance(b) * net.desert_factor


def test_the_whole_border_is_one_network() -> None:
    """Berm and open border included: the 1.6 km between their patrol roads near Dehiba is
    a connecting track."""
    net = road_network(SECTORS)
    assert connected_components(net.graph, directed=False)[0] == 1
    n10 = next(s for s in SECTORS if s.id == "N10")
    s01 = next(s for s in SECTORS if s.id == "S01")
    a = patrol_road(n10).interpolate(patrol_road(n10).length - 5_000.0)
    b = patrol_road(s01).interpolate(5_000.0)
    cost = net.cost_m((b.x, b.y), np.array([[a.x, a.y]]))[0]
    assert cost < 15_000.0


def test_the_route_follows_the_road() -> None:
    net = road_network(SECTORS)
    road = patrol_road(N03)
    a, b = road.interpolate(2_000.0), road.interpolate(12_000.0)
    route = net.route((a.x, a.y), (b.x, b.y))
    assert tuple(route[0]) == (a.x, a.y)
    assert tuple(route[-1]) == (b.x, b.y)
    assert len(route) > 30  # ~40 road nodes 250 m apart
    assert max(road.distance(Point(*p)) for p in route) < 1.0  # on the road throughout
    length = float(np.hypot(*np.diff(route, axis=0).T).sum())
    assert length == pytest.approx(10_000.0, rel=0.01)
    far = (a.x - 500.0, a.y)  # off-road, next to the goal: straight there, no road
    assert len(net.route(far, (a.x, a.y))) == 2
