"""Write borderwatch/geo/data/sites-default.geojson: the default site layout.

Run with `python tools/make_sites.py`. The output is committed; users edit a copy of it.
Towers every ~10 km, 700 m behind the berm, radar and camera facing Libya; a fibre line sensor
along the berm in each northern sector; a radar shadow (a wadi) in every other northern sector
with four ground sensors across it; one mobile radar kit per open-desert sector; patrol bases
at Ben Guerdane, mid-berm, Dehiba, Remada and Borj el-Khadra.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
from shapely.geometry import Point, Polygon

from borderwatch.geo.border import load_border
from borderwatch.geo.lines import line_frame
from borderwatch.geo.projection import to_lonlat
from borderwatch.geo.sectors import build_sectors

OUT = Path(__file__).resolve().parents[1] / "borderwatch" / "geo" / "data" / "sites-default.geojson"


def ll(x: float, y: float) -> list[float]:
    lon, lat = to_lonlat(x, y)
    return [round(float(lon), 6), round(float(lat), 6)]


def azimuth(v: np.ndarray) -> float:
    return round(math.degrees(math.atan2(v[0], v[1])) % 360.0, 1)


def feat(geometry: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": props}


def main() -> None:
    border = load_border()
    features: list[dict[str, Any]] = []
    tower_n = 0
    for sec in build_sectors(border):
        line = sec.line
        if sec.segment == "berm":
            for frac in (0.25, 0.75):
                p, _, left = line_frame(line, frac * line.length)
                xy = p - 700.0 * left
                tower_n += 1
                features.append(
                    feat(
                        {"type": "Point", "coordinates": ll(*xy)},
                        kind="tower",
                        id=f"T{tower_n:02d}",
                        sector=sec.id,
                        radar={"az_center_deg": azimuth(left)},
                        camera={},
                    )
                )
            features.append(
                feat(
                    {"type": "LineString", "coordinates": [ll(x, y) for x, y in line.coords]},
                    kind="line_sensor",
                    id=f"LS-{sec.id}",
                    sector=sec.id,
                )
            )
            if int(sec.id[1:]) % 2 == 0:
                p, t, left = line_frame(line, 0.5 * line.length)
                centre = p + 900.0 * left
                ang = np.linspace(0, 2 * np.pi, 25)[:-1]
                ring = [centre + 800.0 * math.cos(a) * left + 160.0 * math.sin(a) * t for a in ang]
                shadow = Polygon(ring)
                features.append(
                    feat(
                        {"type": "Polygon", "coordinates": [[ll(*xy) for xy in [*ring, ring[0]]]]},
                        kind="radar_shadow",
                        id=f"SH-{sec.id}",
                        sector=sec.id,
                        name=f"Wadi in {sec.id}",
                    )
                )
                for k, along in enumerate((-550.0, -180.0, 180.0, 550.0), start=1):
                    xy = centre + along * left
                    assert shadow.contains(Point(*xy))
                    features.append(
                        feat(
                            {"type": "Point", "coordinates": ll(*xy)},
                            kind="ugs",
                            id=f"U-{sec.id}-{k}",
                            sector=sec.id,
                        )
                    )
        else:
            p, _, left = line_frame(line, 0.5 * line.length)
            xy = p - 2000.0 * left
            features.append(
                feat(
                    {"type": "Point", "coordinates": ll(*xy)},
                    kind="tower",
                    id=f"M-{sec.id}",
                    sector=sec.id,
                    mobile=True,
                    mast_m=8.0,
                    radar={
                        "az_center_deg": azimuth(left),
                        "az_width_deg": 240.0,
                        "range_m": 15000.0,
                        "person_range_m": 7000.0,
                        "vehicle_range_m": 13000.0,
                    },
                    camera={"ifov_mrad": 0.06, "range_m": 10000.0},
                )
            )
    mid, _, left = line_frame(border.berm, 0.5 * border.berm.length)
    base_mid = mid - 4000.0 * left
    bases = [
        ("PB-BGD", "Ben Guerdane", border.places["ben-guerdane"].point, "national_guard"),
        ("PB-MID", "Mid-berm camp", Point(*base_mid), "army"),
        ("PB-DHB", "Dehiba", border.places["dehiba"].point, "national_guard"),
        ("PB-RMD", "Remada", border.places["remada"].point, "army"),
        ("PB-BEK", "Borj el-Khadra", border.places["borj-el-khadra"].point, "army"),
    ]
    for bid, name, pt, agency in bases:
        features.append(
            feat(
                {"type": "Point", "coordinates": ll(pt.x, pt.y)},
                kind="patrol_base",
                id=bid,
                name=name,
                agency=agency,
            )
        )
    doc = {
        "type": "FeatureCollection",
        "name": "borderwatch default site layout",
        "note": __doc__.strip().split("\n\n")[1].replace("\n", " "),
        "features": features,
    }
    OUT.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}: {len(features)} features, {tower_n} berm towers")


if __name__ == "__main__":
    main()
