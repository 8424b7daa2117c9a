"""A partner's patrol at the berm never looks like an intruder: the twin's run of three
groups on foot crossing N03, through the real engine, with Libyan patrols reporting where
some of those walkers are (as the partner's link admits them: agency `partner:ly`, call
signs in Libya's namespace). The walkers a Libyan patrol is with raise no alert, all the way
to and over the berm; the others still do (so the engine did see them). Without the
patrols' reports the engine raises 3 approach alerts on the group the patrols walk with, in
the same window (checked with the reports left out when this test was written)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from borderwatch.engine.picture import Picture
from borderwatch.eval.truthfile import load_truth
from borderwatch.geo import load_sites
from borderwatch.geo.projection import to_lonlat, to_utm
from borderwatch.geo.registry import Registry
from borderwatch.messages import Alert, Detection, Patrol, SensorStatus, Track, decode_lines

_S = 1_000_000_000
EVERY_S = 10  # a patrol's device reports every ~10 s


def _merged(messages: list[Any], reports: list[Patrol]) -> Iterator[Any]:
    """The run's messages in their arrival order, each report just before the first message
    no older than it (as it would have arrived)."""
    reports = sorted(reports, key=lambda p: p.time_ns)
    k = 0
    for m in messages:
        while k < len(reports) and reports[k].time_ns <= m.time_ns:
            yield reports[k]
            k += 1
        yield m


def test_a_partner_patrol_walking_over_the_berm_never_alerts(api_run: Path) -> None:
    truth = load_truth(api_run / "truth.jsonl")
    movers, crossings = truth.movers, truth.crossings
    hostile = np.flatnonzero(movers.hostile)
    # Libyan patrols walk with the group that crosses first, to the berm and over it; the
    # other groups walk alone. The run from half an hour before that crossing (the walkers
    # ~2 km out) to 3 minutes after it.
    first = int(np.argmin(np.where(crossings.hostile, crossings.t_ns, np.iinfo(np.int64).max)))
    crossed_ns = int(crossings.t_ns[first])
    group = int(crossings.group[first])
    joint = [int(m) for m in hostile if int(movers.group[m]) == group]
    alone = [int(m) for m in hostile if int(movers.group[m]) != group]
    assert joint
    assert alone
    with (api_run / "messages.jsonl").open("rb") as f:
        run = [
            m
            for m in decode_lines(f)
            if isinstance(m, Detection | SensorStatus | Patrol)
            and crossed_ns - 1800 * _S <= m.time_ns <= crossed_ns + 180 * _S
        ]
    t0, t1 = run[0].time_ns, max(m.time_ns for m in run)
    times = np.arange(t0 - t0 % (EVERY_S * _S), t1, EVERY_S * _S)
    xy = truth.positions_at(times, joint)  # (T, M, 2), UTM 32N
    reports = []
    for j in range(len(joint)):
        for i in range(len(times) - 1):
            (x, y), nxt = xy[i, j], xy[i + 1, j]
            if np.isnan(x) or np.isnan(nxt[0]):
                continue
            vx, vy = (nxt - xy[i, j]) / EVERY_S
            lon, lat = to_lonlat([x], [y])
            reports.append(
                Patrol(
                    callsign=f"ly/LY-{j}",
                    agency="partner:ly",
                    time_ns=int(times[i]),
                    lat=float(lat[0]),
                    lon=float(lon[0]),
                    speed_mps=float(np.hypot(vx, vy)),
                    course_deg=float(np.degrees(np.arctan2(vx, vy)) % 360.0),
                )
            )
    assert reports
    registry = Registry.from_layout(load_sites(None).in_sectors({"N03"}))
    picture = Picture(registry, t0 - t0 % (60 * _S))
    alerts: list[Alert] = []
    friendly_tracks = set()
    for out in picture.take_all(_merged(run, reports)):
        if isinstance(out, Alert):
            alerts.append(out)
        elif isinstance(out, Track) and out.friendly:
            friendly_tracks.add(out.id)

    def near(alert: Alert, which: list[int]) -> bool:
        """The alert is within 300 m of one of `which` at its time."""
        where = truth.positions_of(which, alert.time_ns)
        ax, ay = to_utm([alert.lon], [alert.lat])
        d = np.hypot(where[:, 0] - ax[0], where[:, 1] - ay[0])
        return bool(np.nanmin(d, initial=np.inf) <= 300.0)

    intrusions = [a for a in alerts if a.category == "intrusion"]
    on_joint = [a for a in intrusions if near(a, joint)]
    assert on_joint == [], [(a.rule, a.track_ids) for a in on_joint]
    # The engine saw the walkers: the ones no patrol was with are alerted on, and the ones
    # a patrol was with made friendly tracks.
    assert any(near(a, alone) for a in intrusions), [(a.rule, a.track_ids) for a in alerts]
    assert friendly_tracks
