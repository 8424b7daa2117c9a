"""The roads of the layout that patrols drive: each sector's patrol road (the watch line moved
inward, 300 m behind the berm, 2 km inside the open border) and the crossings' roads.

The twin drives its patrols on these patrol roads (`borderwatch.twin.world`), and dispatch
routes on them (`borderwatch.ops.roads`): one definition for both.
"""

from __future__ import annotations

import shapely
from shapely.geometry import LineString

from borderwatch.geo.border import Border
from borderwatch.geo.sectors import Sector

__all__ = ["PATROL_ROAD_OFFSET_M", "patrol_road", "road_lines"]

# How far inside the watch line the patrol road runs, by segment.
PATROL_ROAD_OFFSET_M = {"berm": 300.0, "open": 2000.0}


def patrol_road(sector: Sector) -> LineString:
    """The sector's patrol road: its watch line moved inward (Tunisian side)."""
    road = shapely.offset_curve(
        sector.line, -PATROL_ROAD_OFFSET_M[sector.segment], join_style="round"
    )
    return road if isinstance(road, LineString) else LineString(sector.line.coords)


def road_lines(sectors: tuple[Sector, ...], border: Border) -> list[LineString]:
    """Every road of these sectors' layout, UTM 32N metres: patrol roads, then the crossings'
    roads (each a corridor through a legal crossing)."""
    return [*(patrol_road(s) for s in sectors), *(c.road for c in border.crossings)]
