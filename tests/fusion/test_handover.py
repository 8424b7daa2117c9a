"""Handover between sectors: a vehicle driving from N03 into N04, seen by N03's radars then
N04's, stays one track; only its sector changes. (One track table spans every sector the
engine runs, so there is nothing to hand over and nothing to duplicate.)"""

from __future__ import annotations

import numpy as np

from borderwatch.engine.picture import Picture
from borderwatch.geo import load_sites
from borderwatch.geo.projection import polar, to_lonlat
from borderwatch.geo.registry import Registry
from borderwatch.messages import Detection, Track

EPOCH = 1_773_000_000_000_000_000


def test_one_track_across_the_sector_boundary() -> None:
    ids = {"N03", "N04"}
    registry = Registry.from_layout(load_sites().in_sectors(ids))
    picture = Picture(registry, EPOCH)
    # From between T05 and T06 (N03) south past T07 (N04), 10 m/s, on our side of the berm.
    start, end = np.array([729_000.0, 3_633_000.0]), np.array([727_000.0, 3_618_000.0])
    seconds = np.arange(0, 1500)
    path = start + (end - start) * (seconds / seconds[-1])[:, None]
    lon, lat = to_lonlat(path[:, 0], path[:, 1])
    messages = []
    seq = dict.fromkeys(registry.radars, 0)
    for k, t in enumerate(seconds.tolist()):
        for sid, site in registry.radars.items():
            brg, rng = polar(site.lon, site.lat, lon[k], lat[k])
            if rng > 8000.0:
                continue
            seq[sid] += 1
            messages.append(
                Detection(
                    sensor_id=sid,
                    kind="radar",
                    seq=seq[sid],
                    time_ns=EPOCH + t * 1_000_000_000 + 1000 * registry.radars[sid].index,
                    range_m=float(rng),
                    bearing_deg=float(brg),
                    sigma_range_m=10.0,
                    sigma_bearing_deg=0.5,
                )
            )
    tracks = [m for m in picture.take_all(messages) if isinstance(m, Track)]
    assert {t.id for t in tracks} == {tracks[0].id}
    assert list(dict.fromkeys(t.sector for t in tracks)) == ["N03", "N04"]
