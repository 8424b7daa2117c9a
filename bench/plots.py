"""The radar plots the ingest and log benchmarks send: clutter spread over a radar's reach.

One definition, so every benchmark measures messages of the same size and content.
"""

from __future__ import annotations

from borderwatch.messages import Detection

__all__ = ["radar_plot"]


def radar_plot(sensor: str, seq: int, time_ns: int, turn_deg: float = 0.0) -> Detection:
    """Plot `seq` of radar `sensor`: a new place each time (range and bearing step on),
    so the tracker takes each for clutter; `turn_deg` rotates one client's plots."""
    return Detection(
        sensor_id=sensor,
        kind="radar",
        seq=seq,
        time_ns=time_ns,
        range_m=2000.0 + 7.5 * (seq % 1000),
        bearing_deg=(turn_deg + 0.3 * seq) % 360.0,
        sigma_range_m=15.0,
        sigma_bearing_deg=0.5,
        radial_speed_mps=1.2,
        snr_db=14.0,
    )
