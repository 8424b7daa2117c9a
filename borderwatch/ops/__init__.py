"""Operations around incidents: which patrol to send (`dispatch`), by travel time along the
layout's roads (`roads`)."""

from borderwatch.ops.dispatch import DispatchConfig, PatrolEta, rank_patrols
from borderwatch.ops.roads import RoadNetwork, road_network

__all__ = ["DispatchConfig", "PatrolEta", "RoadNetwork", "rank_patrols", "road_network"]
