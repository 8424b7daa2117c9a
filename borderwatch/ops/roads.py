"""Travel time along the layout's roads: the patrol roads, the crossings' roads, and open
desert between them at a lower speed; vehicles never cross the berm.

The network is the roads' polylines cut into nodes every `step_m` metres (a few thousand
nodes for the whole border), edges along each road weighted by length. A query adds two
points, the patrol and the incident, each linked to its nearest road nodes by an off-road
leg (straight line, at the desert speed), plus a direct off-road leg between them; one
Dijkstra (`scipy.sparse.csgraph.dijkstra`) from the incident gives the time from every
patrol. Weights are "road-equivalent metres": an off-road metre costs `road / desert`
road metres, so one search serves every agency's speed.

Why a graph and not a grid: the roads are lines, not an area. A grid fine enough to hold a
road (~50 m) over the 200 x 330 km of the border is ~26 M cells, and a grid path bends in
45-degree steps (up to 8 % too long); the graph holds the roads exactly in ~2,000 nodes,
and open desert, where any straight line is drivable, needs no cells at all.

An incident on the far side of the berm (in a berm sector's approach zone: between the
berm and the boundary) is reached at the berm, where the line from it to the berm meets
it: that is where a patrol can stop it, and no vehicle crosses the trench.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree
from shapely.geometry import MultiLineString, Point

from borderwatch.arrays import FloatArray
from borderwatch.geo.border import load_border
from borderwatch.geo.roads import road_lines
from borderwatch.geo.sectors import Sector, build_sectors

__all__ = ["RoadNetwork", "road_network"]


@dataclass(frozen=True, slots=True)
class RoadNetwork:
    """Road nodes (N, 2) UTM metres, road edges as a CSR matrix of lengths (m), and the
    berm sectors (for the far-side rule)."""

    nodes: FloatArray
    graph: sp.csr_matrix
    tree: cKDTree
    roads: MultiLineString
    berm_sectors: tuple[Sector, ...]
    # Off-road: a desert metre costs this many road metres (road speed / desert speed).
    desert_factor: float = 2.5
    # How many road nodes each point is linked to off-road, and how far at most.
    links: int = 6
    link_max_m: float = 30_000.0

    @classmethod
    def build(cls, sectors: Sequence[Sector], step_m: float = 250.0) -> RoadNetwork:
        """The network of these sectors' roads (and the crossings'), joined where they meet."""
        lines = road_lines(tuple(sectors), load_border())
        points: list[FloatArray] = []
        rows: list[int] = []
        cols: list[int] = []
        weights: list[float] = []
        for line in lines:
            n = max(2, int(np.ceil(line.length / step_m)) + 1)
            pts = np.array([line.interpolate(d).coords[0] for d in np.linspace(0, line.length, n)])
            base = sum(len(p) for p in points)
            seg = np.hypot(*np.diff(pts, axis=0).T)
            rows += list(range(base, base + n - 1))
            cols += list(range(base + 1, base + n))
            weights += [float(w) for w in seg]
            points.append(pts)
        for a, b, w in _junctions(points):
            rows.append(a)
            cols.append(b)
            weights.append(w)
        nodes = np.concatenate(points)
        size = len(nodes)
        graph = sp.coo_matrix((weights, (rows, cols)), shape=(size, size)).tocsr()
        graph = _connected(graph, nodes)
        return cls(
            nodes=nodes,
            graph=graph,
            tree=cKDTree(nodes),
            roads=MultiLineString(lines),
            berm_sectors=tuple(s for s in sectors if s.segment == "berm"),
        )

    def reachable_goal(self, x: float, y: float) -> tuple[float, float]:
        """Where a vehicle goes for an incident at (x, y): the point itself, or, beyond the
        berm, the nearest point of the berm (module docstring)."""
        point = Point(x, y)
        for sector in self.berm_sectors:
            if sector.approach.contains(point):
                on_berm = sector.line.interpolate(sector.line.project(point))
                return float(on_berm.x), float(on_berm.y)
        return x, y

    def _links(self, xy: FloatArray) -> tuple[FloatArray, np.ndarray]:
        """(M, k) link costs (road-equivalent m) and node indices for M points: straight
        off-road to the nearest road, then along it to the node (exact when the node is on
        that road; a point on a road pays no off-road metre to reach its own road's nodes)."""
        k = min(self.links, len(self.nodes))
        dist, idx = self.tree.query(xy, k=k, distance_upper_bound=self.link_max_m)
        dist = np.asarray(dist, float).reshape(len(xy), k)
        idx = np.asarray(idx).reshape(len(xy), k)
        perp = shapely.distance(self.roads, shapely.points(xy[:, 0], xy[:, 1]))[:, None]
        along = np.sqrt(np.maximum(dist**2 - perp**2, 0.0))
        return perp * self.desert_factor + along, idx

    def _search(self, goal: tuple[float, float]) -> tuple[FloatArray, np.ndarray, int]:
        """Dijkstra from the goal (as node n, linked to its nearest road nodes): cost to
        every node, each node's predecessor towards the goal, and n."""
        n = len(self.nodes)
        gcost, gidx = self._links(np.array([goal]))
        ok = np.isfinite(gcost[0])
        extra = sp.coo_matrix(
            (gcost[0][ok], (np.full(ok.sum(), n), gidx[0][ok])), shape=(n + 1, n + 1)
        )
        graph = sp.bmat([[self.graph, None], [None, sp.csr_matrix((1, 1))]]).tocsr() + extra
        cost, pred = dijkstra(graph, directed=False, indices=n, return_predecessors=True)
        return cost, pred, n

    def _best(
        self, from_goal: FloatArray, goal: tuple[float, float], starts: FloatArray
    ) -> tuple[FloatArray, np.ndarray]:
        """Each start's cost, and the road node it joins the roads at (-1: straight there)."""
        scost, sidx = self._links(starts)
        safe = np.where(np.isfinite(scost), sidx, 0)
        total = np.where(np.isfinite(scost), scost + from_goal[safe], np.inf)
        pick = np.argmin(total, axis=1)
        via_road = total[np.arange(len(starts)), pick]
        direct = np.hypot(starts[:, 0] - goal[0], starts[:, 1] - goal[1]) * self.desert_factor
        entry = np.where(via_road < direct, safe[np.arange(len(starts)), pick], -1)
        out: FloatArray = np.minimum(via_road, direct)
        return out, entry

    def cost_m(self, goal: tuple[float, float], starts: FloatArray) -> FloatArray:
        """Road-equivalent metres from each start (M, 2) to `goal` (x, y), UTM metres:
        the cheapest of driving off-road straight there, or off-road to a road node, along
        the roads, and off-road from a road node to the goal."""
        target = self.reachable_goal(*goal)
        from_goal, _, _ = self._search(target)
        cost, _ = self._best(from_goal, target, np.asarray(starts, float).reshape(-1, 2))
        return cost

    def route(self, start: tuple[float, float], goal: tuple[float, float]) -> FloatArray:
        """(K, 2) UTM points of the cheapest route from `start` to `goal` (or to where the
        goal is reached, at the berm): start, the road nodes driven, the goal."""
        target = self.reachable_goal(*goal)
        from_goal, pred, n = self._search(target)
        _, entry = self._best(from_goal, target, np.array([start], float))
        points = [start]
        node = int(entry[0])
        while node >= 0 and node != n:
            points.append((float(self.nodes[node][0]), float(self.nodes[node][1])))
            node = int(pred[node])
        points.append(target)
        return np.array(points, float)


# Roads whose nodes come this close are joined: one sector's patrol road goes on as the
# next one's (their offset curves leave a gap of metres to tens of metres at the boundary),
# and a crossing's road meets the patrol road it crosses.
JOIN_M = 500.0


def _junctions(lines: list[FloatArray]) -> list[tuple[int, int, float]]:
    """(node, node, metres) edges joining different roads where their nodes come within
    `JOIN_M`: each road's nearest node to each other road, both ways."""
    starts = np.cumsum([0, *(len(p) for p in lines)])
    trees = [cKDTree(p) for p in lines]
    edges = []
    for i, pts in enumerate(lines):
        for j, tree in enumerate(trees):
            if i == j:
                continue
            dist, idx = tree.query(pts, k=1)
            best = int(np.argmin(dist))
            if dist[best] <= JOIN_M:
                w = max(float(dist[best]), 0.01)  # never 0 (see `_connected`)
                edges.append((int(starts[i] + best), int(starts[j] + idx[best]), w))
    return edges


# Where the berm's patrol road (300 m in) meets the open border's (2 km in) near Dehiba
# there is a gap of ~1.6 km: a connecting track, driven at road speed. Pieces farther apart
# than this stay apart (off-road legs still reach them).
CONNECT_M = 5_000.0


def _connected(graph: sp.csr_matrix, nodes: FloatArray) -> sp.csr_matrix:
    """`graph` with a connecting track between each piece and the nearest other piece, while
    one lies within `CONNECT_M`."""
    while True:
        count, label = connected_components(graph, directed=False)
        if count == 1:
            return graph
        dist, idx = cKDTree(nodes[label != 0]).query(nodes[label == 0])
        best = int(np.argmin(dist))
        if dist[best] > CONNECT_M:
            return graph
        a = int(np.flatnonzero(label == 0)[best])
        b = int(np.flatnonzero(label != 0)[idx[best]])
        # Never a zero weight: a sparse graph drops explicit zeros, and the edge with them.
        edge = sp.coo_matrix(([max(float(dist[best]), 0.01)], ([a], [b])), shape=graph.shape)
        graph = (graph + edge).tocsr()


@cache
def _network(sector_ids: tuple[str, ...]) -> RoadNetwork:
    sectors = tuple(s for s in build_sectors(load_border()) if s.id in set(sector_ids))
    return RoadNetwork.build(sectors)


def road_network(sectors: Sequence[Sector]) -> RoadNetwork:
    """The network of these sectors' roads, built once per set of sectors."""
    return _network(tuple(sorted(s.id for s in sectors)))
