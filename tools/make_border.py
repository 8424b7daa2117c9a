"""Write borderwatch/geo/data/border.geojson from the hand-digitised vertices below.

Run with `python tools/make_border.py`; the output is committed and versioned, so the
package never depends on this script at run time.

Sources: the vertices follow the course of the Tunisia–Libya boundary as drawn on public
small-scale maps (OpenStreetMap, Natural Earth 1:10m). They are approximate (a few km), not
survey-grade. The end points are the figures of DESIGN §1: Ras Ajdir 33.148 N 11.566 E,
Dehiba 32.017 N 10.700 E, the Dehiba–Wazen crossing ~32.01 N 10.74 E, Borj el-Khadra
30.254 N 9.555 E. The berm is derived: the boundary from Ras Ajdir to the Dehiba crossing,
moved into Tunisia by 2 km on average; the distance wanders between about 1 and 3 km with a
wavelength of ~6 km (a berm is built along the dunes, not a ruler), which also brings its length
to the reported ~196 km (our boundary vertices are too coarse to carry the real meanders). The two
breaches in it are invented for the twin (sand slumped into the trench), to give convoys
something to look for.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import LineString

from borderwatch.geo.projection import to_lonlat, to_utm

VERSION = "2026.11.1"
OUT = Path(__file__).resolve().parents[1] / "borderwatch" / "geo" / "data" / "border.geojson"

# (lat, lon), north to south. Index of the Dehiba–Wazen crossing vertex is DEHIBA_VERTEX.
BORDER = [
    (33.148, 11.566),  # Ras Ajdir, on the coast
    (33.100, 11.548),
    (33.052, 11.560),
    (33.000, 11.532),
    (32.945, 11.540),
    (32.890, 11.505),
    (32.835, 11.512),
    (32.780, 11.478),
    (32.722, 11.488),
    (32.668, 11.452),
    (32.612, 11.458),
    (32.560, 11.420),
    (32.505, 11.412),
    (32.455, 11.365),
    (32.410, 11.330),
    (32.372, 11.262),
    (32.335, 11.205),
    (32.290, 11.148),
    (32.248, 11.082),
    (32.205, 11.030),
    (32.160, 10.962),
    (32.118, 10.905),
    (32.075, 10.842),
    (32.040, 10.790),
    (32.010, 10.740),  # Dehiba–Wazen crossing
    (31.900, 10.660),
    (31.750, 10.550),
    (31.550, 10.400),
    (31.350, 10.280),
    (31.150, 10.200),
    (30.950, 10.050),
    (30.750, 9.900),
    (30.550, 9.780),
    (30.400, 9.650),
    (30.254, 9.555),  # Borj el-Khadra, the Algerian tripoint
]
DEHIBA_VERTEX = 24
BERM_OFFSET_M = 2000.0
BERM_WANDER_M = 880.0
BERM_WAVELENGTH_M = 6000.0

PLACES = {
    "ben-guerdane": ("Ben Guerdane", 33.138, 11.219),
    "dehiba": ("Dehiba", 32.017, 10.700),
    "remada": ("Remada", 32.306, 10.398),
    "borj-el-khadra": ("Borj el-Khadra", 30.254, 9.555),
    "wazen": ("Wazen (Libya)", 31.985, 10.790),
    "abu-kammash": ("Abu Kammash (Libya)", 33.082, 11.825),
}

# Crossings: the border post on the boundary, and the road through it (Tunisian town to the
# first Libyan place), each as (lat, lon) vertices. The corridor is the road buffered by 150 m.
CROSSINGS = {
    "ras-ajdir": (
        "Ras Ajdir",
        (33.134, 11.563),
        [
            (33.138, 11.219),
            (33.125, 11.330),
            (33.126, 11.450),
            (33.134, 11.563),
            (33.118, 11.640),
            (33.098, 11.720),
        ],
    ),
    "dehiba-wazen": (
        "Dehiba–Wazen",
        (32.010, 10.740),
        [(32.017, 10.700), (32.013, 10.722), (32.010, 10.740), (31.998, 10.765), (31.985, 10.790)],
    ),
}
CORRIDOR_HALF_WIDTH_M = 150.0
BREACH_FRACTIONS = (0.38, 0.71)  # along the berm, from Ras Ajdir


def utm_line(latlon: list[tuple[float, float]]) -> LineString:
    lat, lon = np.array(latlon).T
    x, y = to_utm(lon, lat)
    return LineString(np.c_[x, y])


def lonlat_coords(geom: LineString, digits: int = 5) -> list[list[float]]:
    xy = np.asarray(geom.coords)
    lon, lat = to_lonlat(xy[:, 0], xy[:, 1])
    return [
        [round(float(a), digits), round(float(b), digits)] for a, b in zip(lon, lat, strict=True)
    ]


def make_berm(north: LineString) -> LineString:
    """The boundary moved inward (west) along its smoothed normal by 2 km ± the wander."""
    s = np.arange(0.0, north.length, 100.0)
    pts = shapely.get_coordinates(shapely.line_interpolate_point(north, s))
    # Tangent smoothed over ~3 km so vertex kinks do not fold the offset line.
    d = np.gradient(pts, axis=0)
    kernel = np.ones(31) / 31
    tx = np.convolve(np.pad(d[:, 0], 15, mode="edge"), kernel, mode="valid")
    ty = np.convolve(np.pad(d[:, 1], 15, mode="edge"), kernel, mode="valid")
    norm = np.hypot(tx, ty)
    # Walking north to south, Tunisia is on the right: the right normal is (ty, -tx).
    rx, ry = ty / norm, -tx / norm
    taper = np.clip(np.minimum(s, north.length - s) / 3000.0, 0.0, 1.0)
    phase = 2 * np.pi * s / BERM_WAVELENGTH_M
    wander = BERM_WANDER_M * taper * (np.sin(phase) + 0.3 * np.sin(2.7 * phase + 1.0)) / 1.15
    off = BERM_OFFSET_M + wander
    berm = LineString(np.c_[pts[:, 0] + rx * off, pts[:, 1] + ry * off]).simplify(10.0)
    assert berm.is_simple, "the berm folds on itself"
    return berm


def feature(kind: str, fid: str, geometry: dict[str, object], **props: object) -> dict[str, object]:
    return {
        "type": "Feature",
        "id": fid,
        "geometry": geometry,
        "properties": {"kind": kind, "id": fid, **props},
    }


def main() -> None:
    border = utm_line(BORDER)
    north = utm_line(BORDER[: DEHIBA_VERTEX + 1])
    berm = make_berm(north)
    for frac in (0.1, 0.5, 0.9):
        p = berm.interpolate(frac, normalized=True)
        q = north.interpolate(north.project(p))
        assert p.x < q.x, "the berm must lie west of (inside Tunisia from) the boundary"
    features = [
        feature(
            "border",
            "border",
            {"type": "LineString", "coordinates": lonlat_coords(border)},
            name="Tunisia–Libya boundary (approximate)",
            length_km=round(border.length / 1e3, 1),
        ),
        feature(
            "berm",
            "berm",
            {"type": "LineString", "coordinates": lonlat_coords(berm)},
            name="Berm and trench",
            offset_m=BERM_OFFSET_M,
            length_km=round(berm.length / 1e3, 1),
        ),
    ]
    for cid, (name, (lat, lon), road) in CROSSINGS.items():
        features.append(
            feature(
                "crossing",
                cid,
                {"type": "Point", "coordinates": [lon, lat]},
                name=name,
                corridor_half_width_m=CORRIDOR_HALF_WIDTH_M,
            )
        )
        features.append(
            feature(
                "road",
                f"road-{cid}",
                {"type": "LineString", "coordinates": lonlat_coords(utm_line(road))},
                crossing=cid,
            )
        )
    for i, frac in enumerate(BREACH_FRACTIONS, start=1):
        p = berm.interpolate(frac, normalized=True)
        lon, lat = to_lonlat(p.x, p.y)
        features.append(
            feature(
                "breach",
                f"breach-{i}",
                {"type": "Point", "coordinates": [round(float(lon), 5), round(float(lat), 5)]},
                name=f"Berm breach {i} (invented for the twin)",
                width_m=30.0,
            )
        )
    for pid, (name, lat, lon) in PLACES.items():
        features.append(
            feature("place", pid, {"type": "Point", "coordinates": [lon, lat]}, name=name)
        )
    doc = {
        "type": "FeatureCollection",
        "name": "tunisia-libya-border",
        "version": VERSION,
        "source": __doc__.split("Sources:")[1].strip().replace("\n", " "),
        "features": features,
    }
    OUT.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(
        f"wrote {OUT}: border {border.length / 1e3:.1f} km, berm {berm.length / 1e3:.1f} km,"
        f" berm vertices {len(berm.coords)}"
    )


if __name__ == "__main__":
    main()
