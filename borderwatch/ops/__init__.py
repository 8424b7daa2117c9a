"""Operations around incidents: which patrol to send (`dispatch`), by travel time along the
layout's roads (`roads`)."""

from borderwatch.ops.dispatch import (
    DispatchConfig,
    PatrolEta,
    busy_patrols,
    rank_patrols,
    rank_patrols_to,
)
from borderwatch.ops.roads import RoadNetwork, road_network

__all__ = [
    "DispatchConfig",
    "PatrolEta",
    "RoadNetwork",
    "busy_patrols",
    "rank_patrols",
    "rank_patrols_to",
    "road_network",
]
