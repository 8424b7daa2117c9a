"""Line-sensor breach: the berm's fibre reports a cut or a climb somewhere along it. Alone it
is too often the wind or a jackal; it alerts when something else agrees within
`confirm_radius_m` and `confirm_window_s`: a track that may alert (a person or a vehicle, not
ours), or a ground sensor whose report says person or vehicle."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from borderwatch.geo.projection import to_utm
from borderwatch.messages import Detection
from borderwatch.rules.config import LineBreach
from borderwatch.rules.scene import Finding, Scene

__all__ = ["LineBreachRule"]


@dataclass(frozen=True, slots=True)
class _Report:
    t_s: float
    x: float
    y: float
    key: str
    threat: bool  # the report's own class says person or vehicle


def _reports(dets: list[Detection], epoch_ns: int) -> list[_Report]:
    if not dets:
        return []
    # Position kinds always carry lat and lon (the Detection contract checks it).
    x, y = to_utm([d.lon or 0.0 for d in dets], [d.lat or 0.0 for d in dets])
    out = []
    for d, xi, yi in zip(dets, np.atleast_1d(x).tolist(), np.atleast_1d(y).tolist(), strict=True):
        p, v, a, u = d.classes.as_tuple()
        out.append(_Report((d.time_ns - epoch_ns) / 1e9, xi, yi, d.key, p + v > a + u))
    return out


class LineBreachRule:
    """Holds line triggers until something confirms them or their window passes."""

    name = "line_breach"

    def __init__(self, config: LineBreach, epoch_ns: int) -> None:
        self.config = config
        self.epoch_ns = epoch_ns
        self.pending: list[_Report] = []
        self.ground: list[_Report] = []  # recent ground-sensor reports that could confirm

    def detections(self, dets: list[Detection]) -> None:
        """Take the line and ground-sensor detections of a released second."""
        self.pending += _reports([d for d in dets if d.kind == "line"], self.epoch_ns)
        self.ground += _reports([d for d in dets if d.kind == "ugs"], self.epoch_ns)

    def check(self, scene: Scene) -> list[Finding]:
        """Findings for the triggers confirmed now; forget the expired ones."""
        c = self.config
        t = scene.t_s
        self.ground = [g for g in self.ground if t - g.t_s <= 2 * c.confirm_window_s]
        out: list[Finding] = []
        keep: list[_Report] = []
        ok = np.flatnonzero(scene.eligible)
        for trig in self.pending:
            found = self._confirm(trig, scene, ok)
            if found is not None:
                out.append(found)
            elif t - trig.t_s <= c.confirm_window_s:
                keep.append(trig)
        self.pending = keep
        return out

    def _confirm(self, trig: _Report, scene: Scene, ok: np.ndarray) -> Finding | None:
        c = self.config
        d = np.hypot(scene.x[ok] - trig.x, scene.y[ok] - trig.y)
        if (
            len(d)
            and d.min() <= c.confirm_radius_m
            and abs(scene.t_s - trig.t_s) <= (c.confirm_window_s)
        ):
            k = int(ok[int(np.argmin(d))])
            tid = int(scene.ids[k])
            cls = scene.cls(k)
            return self._finding(trig, cls, (tid,), scene.evidence(tid), "and a track")
        for g in self.ground:
            near = np.hypot(g.x - trig.x, g.y - trig.y) <= c.confirm_radius_m
            if near and g.threat and abs(g.t_s - trig.t_s) <= c.confirm_window_s:
                return self._finding(trig, "unknown", (), (g.key,), "and a ground sensor")
        return None

    def _finding(
        self,
        trig: _Report,
        cls: str,
        tracks: tuple[int, ...],
        more: tuple[str, ...],
        by: str,
    ) -> Finding:
        return Finding(
            rule=self.name,
            priority=self.config.priority,
            x=trig.x,
            y=trig.y,
            cls=cls,  # type: ignore[arg-type]
            track_ids=tracks,
            evidence=(trig.key, *more),
            crossing=(trig.x, trig.y, trig.t_s),
            summary=f"berm line sensor triggered, confirmed by {by.removeprefix('and ')}",
        )
