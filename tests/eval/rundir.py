"""Hand-built run directories: truth.jsonl, scenario.json and alerts written from a few lines."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from borderwatch.geo import build_sectors, load_border, to_lonlat
from borderwatch.messages import Alert, GeoPoint, encode_lines

START = 1_700_000_000_000_000_000  # ns
S = 1_000_000_000  # ns per second
HOURS = 1.0
WATCH_KM = 20.0

# A point on the berm in sector N01, and one inside the Ras Ajdir road corridor (UTM 32N m).
_N01 = build_sectors(load_border())[0].line.interpolate(0.5, normalized=True)
X0, Y0 = float(_N01.x), float(_N01.y)
_CORRIDOR = load_border().crossings[0].corridor.representative_point()
CX, CY = float(_CORRIDOR.x), float(_CORRIDOR.y)


def lonlat(x: float, y: float) -> tuple[float, float]:
    """UTM 32N metres to (lon, lat) floats."""
    lon, lat = to_lonlat(x, y)
    return float(lon), float(lat)


@dataclass
class Run:
    """A run directory under construction; times in seconds after START, places in metres."""

    root: Path
    truth: list[dict[str, Any]] = field(default_factory=list)
    crossings: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    scenario: dict[str, Any] = field(default_factory=dict)

    def mover(
        self,
        id: str,
        knots: list[tuple[float, float, float]],
        *,
        kind: str = "foot_smuggler",
        cls: str = "person",
        hostile: bool = True,
        friendly: bool = False,
        group: str | None = None,
    ) -> None:
        """A mover through knots (t_s, x, y)."""
        self.truth.append(
            {
                "type": "mover",
                "id": id,
                "kind": kind,
                "cls": cls,
                "hostile": hostile,
                "friendly": friendly,
                "group": group or f"G-{id}",
                "t_ns": [START + round(t * S) for t, _, _ in knots],
                "x": [x for _, x, _ in knots],
                "y": [y for _, _, y in knots],
            }
        )

    def crossing(
        self,
        mover: str,
        t_s: float,
        x: float = X0,
        y: float = Y0,
        *,
        group: str | None = None,
        cls: str = "person",
        hostile: bool = True,
        inbound: bool = True,
        corridor: bool = False,
        sector: str = "N01",
        tactic: str | None = None,
    ) -> None:
        """A crossing of the watch line by `mover` at t_s, (x, y); `tactic` None writes none
        (as runs made before tactics were labelled)."""
        lon, lat = lonlat(x, y)
        self.crossings.append(
            {
                "type": "crossing",
                "mover": mover,
                "group": group or f"G-{mover}",
                "kind": "foot_smuggler",
                "cls": cls,
                "hostile": hostile,
                "t_ns": START + round(t_s * S),
                "x": x,
                "y": y,
                "lat": lat,
                "lon": lon,
                "sector": sector,
                "inbound": inbound,
                "corridor": corridor,
            }
            | ({} if tactic is None else {"tactic": tactic})
        )

    def alert(
        self,
        t_s: float,
        x: float = X0,
        y: float = Y0,
        *,
        cls: str = "person",
        category: str = "intrusion",
        predicted: tuple[float, float] | None = None,
    ) -> None:
        """An alert at t_s, (x, y); `predicted` is its predicted crossing point (x, y)."""
        lon, lat = lonlat(x, y)
        pc = None
        if predicted is not None:
            plon, plat = lonlat(*predicted)
            pc = GeoPoint(lat=plat, lon=plon)
        self.alerts.append(
            msgspec.convert(
                {
                    "id": f"A{len(self.alerts):04d}",
                    "rule": "test",
                    "time_ns": START + round(t_s * S),
                    "lat": lat,
                    "lon": lon,
                    "category": category,
                    "cls": cls,
                    "predicted_crossing": msgspec.to_builtins(pc) if pc else None,
                },
                Alert,
            )
        )

    def write(self) -> tuple[Path, Path]:
        """Write the files; returns (run_dir, alerts_path)."""
        self.root.mkdir(parents=True, exist_ok=True)
        scenario = {
            "start_ns": START,
            "end_ns": START + round(HOURS * 3600 * S),
            "hours": HOURS,
            "watch_km": WATCH_KM,
            "sectors": ["N01"],
        } | self.scenario
        (self.root / "scenario.json").write_text(json.dumps(scenario))
        rows = sorted(self.truth, key=lambda m: m["id"]) + sorted(
            self.crossings, key=lambda c: c["t_ns"]
        )
        (self.root / "truth.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
        (self.root / "messages.jsonl").write_bytes(b"")
        alerts = self.root / "alerts.jsonl"
        alerts.write_bytes(encode_lines(self.alerts))
        return self.root, alerts
