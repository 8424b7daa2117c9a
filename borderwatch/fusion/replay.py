"""Replay a run directory through the engine: messages.jsonl in, tracks.jsonl out.

Replaying twice gives byte-identical files: the engine runs on event time only.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from borderwatch.errors import DataError
from borderwatch.fusion.feed import Registry
from borderwatch.fusion.picture import Picture
from borderwatch.geo import build_sectors, load_border, load_sites
from borderwatch.geo.sites import DEFAULT_SITES
from borderwatch.messages import decode_lines, encode_lines

__all__ = ["replay_run"]


def replay_run(run_dir: Path, out_dir: Path, sites: Path | None = None) -> dict[str, Any]:
    """Track a run; write `out_dir/tracks.jsonl`; return what happened to the input."""
    try:
        meta = json.loads((run_dir / "scenario.json").read_text())
        ids, epoch = set(meta["sectors"]), int(meta["start_ns"])
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(f"{run_dir}: not a run directory ({exc})") from exc
    if sites is None and meta.get("sites", DEFAULT_SITES.name) != DEFAULT_SITES.name:
        raise DataError(f"{run_dir} used the site layout {meta['sites']}: pass it with --sites")
    layout = load_sites(sites).in_sectors(ids)
    sectors = tuple(s for s in build_sectors(load_border()) if s.id in ids)
    picture = Picture(Registry.from_layout(layout), sectors, epoch)
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = out_dir / "tracks.jsonl.part"
    n = 0
    t0 = time.perf_counter()
    try:
        with (run_dir / "messages.jsonl").open("rb") as src, tmp.open("wb") as dst:
            batch = []
            for track in picture.take_all(decode_lines(src)):
                batch.append(track)
                if len(batch) >= 10_000:
                    dst.write(encode_lines(batch))
                    n += len(batch)
                    batch.clear()
            dst.write(encode_lines(batch))
            n += len(batch)
    except OSError as exc:
        raise DataError(f"{run_dir}: {exc}") from exc
    os.replace(tmp, out_dir / "tracks.jsonl")
    return {
        "tracks_written": n,
        "wall_s": round(time.perf_counter() - t0, 2),
        "input": picture.counts,
    }
