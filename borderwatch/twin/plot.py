"""Draw a run: the border and berm, the sectors, the sites and what they cover, the movers'
true paths and the crossings. For the README, for reports, and for checking a scenario."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only; never needs a display

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Polygon as MplPolygon
from matplotlib.patches import Wedge

from borderwatch.errors import DataError
from borderwatch.geo import build_sectors, load_border, load_sites
from borderwatch.geo.sites import TowerSpec

__all__ = ["plot_run"]

COLOURS = {
    "foot_smuggler": "#d62728",
    "infiltrator": "#8b0000",
    "convoy_vehicle": "#ff7f0e",
    "camel": "#8c564b",
    "jackal": "#bcbd22",
    "dog": "#e377c2",
    "patrol": "#1f77b4",
    "traffic": "#7f7f7f",
}
KM = 1000.0


def _read_truth(run_dir: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    movers, crossings = [], []
    try:
        with (run_dir / "truth.jsonl").open("rb") as f:
            for line in f:
                row = json.loads(line)
                if row["type"] == "mover":
                    movers.append(row)
                elif row["type"] == "crossing":
                    crossings.append(row)
    except OSError as exc:
        raise DataError(f"{run_dir}: cannot read truth.jsonl ({exc})") from exc
    return movers, crossings


def plot_run(run_dir: Path, out_png: Path) -> None:
    """Draw the run in `run_dir` to `out_png`."""
    try:
        meta = json.loads((run_dir / "scenario.json").read_text())
    except (OSError, ValueError) as exc:
        raise DataError(f"{run_dir}: cannot read scenario.json ({exc})") from exc
    movers, crossings = _read_truth(run_dir)
    border = load_border()
    ids = set(meta["sectors"])
    sectors = [s for s in build_sectors(border) if s.id in ids]
    layout = load_sites().in_sectors(ids)

    fig, ax = plt.subplots(figsize=(9, 11) if len(sectors) > 4 else (9, 9), dpi=110)
    x0, y0, x1, y1 = np.array([s.area.bounds for s in sectors]).T
    box = (x0.min() - 3 * KM, y0.min() - 3 * KM, x1.max() + 3 * KM, y1.max() + 3 * KM)
    for s in sectors:
        for zone, colour in ((s.approach, "#fde0dd"), (s.inner, "#e5f5e0")):
            ax.add_patch(
                MplPolygon(
                    np.asarray(zone.exterior.coords) / KM,
                    closed=True,
                    facecolor=colour,
                    edgecolor="none",
                    alpha=0.6,
                    zorder=0,
                )
            )
        mid = s.line.interpolate(0.5, normalized=True)
        ax.annotate(
            s.id,
            (mid.x / KM, mid.y / KM),
            xytext=(-28, 0),
            textcoords="offset points",
            fontsize=8,
            color="#444",
            ha="right",
        )
    bx, by = np.asarray(border.boundary.coords).T / KM
    ax.plot(bx, by, color="black", lw=1.2, ls="--", label="boundary", zorder=2)
    mx, my = np.asarray(border.berm.coords).T / KM
    ax.plot(mx, my, color="#6b4f2a", lw=2.2, label="berm and trench", zorder=2)
    for c in border.crossings:
        cx, cy = np.asarray(c.road.coords).T / KM
        ax.plot(cx, cy, color="#555", lw=0.8, zorder=2)
        ax.plot(c.point.x / KM, c.point.y / KM, marker="s", color="black", ms=6, zorder=5)
        ax.annotate(
            c.name,
            (c.point.x / KM, c.point.y / KM),
            xytext=(6, 4),
            textcoords="offset points",
            fontsize=8,
        )
    for site in layout.towers:
        spec = site.spec
        assert isinstance(spec, TowerSpec)
        g = site.geometry
        if spec.radar is not None:
            r = spec.radar
            # matplotlib angles are counter-clockwise from east; azimuths clockwise from north.
            a0 = 90.0 - (r.az_center_deg + r.az_width_deg / 2)
            ax.add_patch(
                Wedge(
                    (g.x / KM, g.y / KM),
                    r.person_range_m / KM,
                    a0,
                    a0 + r.az_width_deg,
                    facecolor="#9ecae1",
                    alpha=0.12,
                    edgecolor="#3182bd",
                    lw=0.4,
                    zorder=1,
                )
            )
        ax.plot(g.x / KM, g.y / KM, marker="^", color="#08519c", ms=6, zorder=6)
    for site in layout.shadows:
        ax.add_patch(
            MplPolygon(
                np.asarray(site.geometry.exterior.coords) / KM,
                facecolor="#555",
                alpha=0.35,
                zorder=1,
            )
        )
    for site in layout.ugs:
        ax.plot(
            site.geometry.x / KM,
            site.geometry.y / KM,
            marker=".",
            color="#31a354",
            ms=4,
            zorder=6,
        )
    seen: set[str] = set()
    for m in movers:
        label = m["kind"].replace("_", " ") if m["kind"] not in seen else None
        seen.add(m["kind"])
        ax.plot(
            np.asarray(m["x"]) / KM,
            np.asarray(m["y"]) / KM,
            color=COLOURS[m["kind"]],
            lw=0.7 if m["kind"] in ("camel", "traffic") else 1.0,
            alpha=0.8,
            label=label,
            zorder=3,
        )
    hostile = [c for c in crossings if c["hostile"] and c["inbound"]]
    if hostile:
        ax.scatter(
            [c["x"] / KM for c in hostile],
            [c["y"] / KM for c in hostile],
            marker="x",
            color="red",
            s=40,
            zorder=7,
            label="hostile crossing (inbound)",
        )
    ax.set_xlim(box[0] / KM, box[2] / KM)
    ax.set_ylim(box[1] / KM, box[3] / KM)
    ax.set_aspect("equal")
    ax.set_xlabel("UTM 32N easting (km)")
    ax.set_ylabel("northing (km)")
    ax.set_title(
        f"{meta['name']} (seed {meta['seed']}, {meta['hours']:g} h): "
        f"{len(movers)} movers, {len(hostile)} hostile inbound crossings",
        fontsize=10,
    )
    # The border runs north-east to south-west: the upper-left corner is empty.
    ax.legend(loc="upper left", fontsize=7, framealpha=0.9)
    ax.grid(alpha=0.2)
    fig.tight_layout()
    out_png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out_png)
    plt.close(fig)
