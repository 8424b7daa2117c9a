"""Operations around incidents: which patrol to send (`dispatch`)."""

from borderwatch.ops.dispatch import DispatchConfig, PatrolEta, rank_patrols

__all__ = ["DispatchConfig", "PatrolEta", "rank_patrols"]
