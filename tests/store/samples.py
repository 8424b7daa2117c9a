"""Small hand-made messages of each logged kind, deterministic from their arguments."""

from __future__ import annotations

from borderwatch.messages import Detection, OperatorAction, Patrol, SensorStatus

T0 = 1_780_000_000_000_000_000  # 2026-05-28, UTC ns


def detection(sensor: int, seq: int) -> Detection:
    """A ground-sensor detection; position and time follow from `sensor` and `seq`."""
    return Detection(
        sensor_id=f"U-N04-{sensor}",
        kind="ugs",
        seq=seq,
        time_ns=T0 + seq * 1_000_000,
        lat=32.5 + sensor * 1e-3,
        lon=11.2 + seq * 1e-6,
        cov_m2=(25.0, 1.5, 30.0),
    )


def detections(sensor: int, first: int, n: int) -> list[Detection]:
    """`n` detections of one sensor, seqs `first`, `first + 1`, ..."""
    return [detection(sensor, first + i) for i in range(n)]


def status(sensor: int, seq: int) -> SensorStatus:
    """A heartbeat of a radar."""
    return SensorStatus(
        sensor_id=f"T{sensor:02d}-R", kind="radar", seq=seq, time_ns=T0 + seq, health="ok"
    )


def patrol(seq: int) -> Patrol:
    """A patrol's position report."""
    return Patrol(
        callsign="NG-N04-1", agency="garde", time_ns=T0 + seq, lat=32.6, lon=11.3, seq=seq
    )


def action(n: int, target: str | None, user: str = "op1") -> OperatorAction:
    """An operator's acknowledgement of `target`."""
    return OperatorAction(
        id=f"act-{n}",
        user=user,
        agency="garde",
        role="operator",
        time_ns=T0 + n,
        action="acknowledge",
        target=target,
        why="seen on camera T07-C",
    )
