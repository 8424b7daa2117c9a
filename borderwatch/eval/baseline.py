"""The trivial reference alerter: one alert per line-sensor detection.

Any alerter worth running must beat this on Pd, time to alert or nuisance rate. Line-sensor ids
are `LS-<sector>` (`LS-N03` watches sector `N03`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from borderwatch.errors import DataError
from borderwatch.messages import Alert, Detection, decode_lines

__all__ = ["BASELINE_NAME", "baseline_alerts", "line_sensor_sector"]

BASELINE_NAME = "line-sensor-baseline"
_PREFIX = "LS-"


def line_sensor_sector(sensor_id: str) -> str | None:
    """The sector a line sensor watches, from its id (`LS-N03` → `N03`); None if not `LS-…`."""
    if sensor_id.startswith(_PREFIX) and len(sensor_id) > len(_PREFIX):
        return sensor_id[len(_PREFIX) :]
    return None


def _alerts(lines: Iterable[bytes]) -> Iterator[Alert]:
    n = 0
    # A line detection's JSON holds the string "line" whatever the spacing: skip, unparsed,
    # the millions of radar and camera lines that cannot be one.
    for item in decode_lines(line for line in lines if b'"line"' in line):
        if not isinstance(item, Detection) or item.kind != "line":
            continue
        if item.lat is None or item.lon is None:
            continue
        n += 1
        yield Alert(
            id=f"B{n:06d}",
            rule="line_trigger",
            time_ns=item.time_ns,
            lat=item.lat,
            lon=item.lon,
            priority=2,
            category="intrusion",
            sector=line_sensor_sector(item.sensor_id),
            cls=item.classes.best(),
            evidence=(item.key,),
        )


def baseline_alerts(messages_path: Path) -> list[Alert]:
    """Alerts of the line-sensor baseline for a run's `messages.jsonl`, in file order (B000001…).

    Lines that fail to decode are skipped, as are detections of every other kind.
    """
    try:
        with messages_path.open("rb") as f:
            return list(_alerts(f))
    except OSError as exc:
        raise DataError(f"cannot read {messages_path}: {exc}") from exc
