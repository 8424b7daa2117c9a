"""The report's pictures, drawn with matplotlib's object API (no pyplot: no global state, so
two reports can be drawn at once in the service's threads) as PNG bytes.

Pictures carry no words beyond sector ids and numbers: matplotlib does not shape Arabic, so
every caption is set by the report's HTML in the reader's language.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib
import matplotlib.cm
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from borderwatch.geo import build_sectors, load_border, to_utm
from borderwatch.oversight.figures import SectorCoverage, SensorAvailability

__all__ = ["availability_map"]

_DPI = 110


def availability_map(
    sectors: Sequence[SectorCoverage], sensors: Sequence[SensorAvailability]
) -> bytes:
    """The border, each watched sector's berm coloured by its sensors' mean availability,
    each sensor a dot coloured by its own; PNG."""
    border = load_border()
    fig = Figure(figsize=(6.0, 7.5), dpi=_DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    cmap = matplotlib.colormaps["RdYlGn"]
    norm = Normalize(0.0, 1.0)
    bx, by = border.boundary.xy
    ax.plot([v / 1000 for v in bx], [v / 1000 for v in by], "k--", lw=0.8)
    avail = {s.sector: s.availability for s in sectors}
    for sector in build_sectors(border):
        x, y = sector.line.xy
        a = avail.get(sector.id)
        colour = "#bbbbbb" if a is None else cmap(norm(a))
        ax.plot([v / 1000 for v in x], [v / 1000 for v in y], color=colour, lw=4)
        if sector.id in avail:
            mx, my = sector.line.interpolate(0.5, normalized=True).coords[0]
            ax.annotate(sector.id, (mx / 1000, my / 1000), xytext=(6, 0), fontsize=7,
                        textcoords="offset points")  # fmt: skip
    if sensors:
        x, y = to_utm([s.lon for s in sensors], [s.lat for s in sensors])
        ax.scatter(
            x / 1000,
            y / 1000,
            c=[s.availability for s in sensors],
            cmap=cmap,
            norm=norm,
            s=12,
            edgecolors="k",
            linewidths=0.3,
            zorder=3,
        )
    fig.colorbar(matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.6)
    ax.set_aspect("equal")
    ax.set_xlabel("UTM 32N x (km)")
    ax.set_ylabel("y (km)")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
