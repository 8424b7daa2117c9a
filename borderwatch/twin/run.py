"""Run a scenario to files: the twin's stream (`borderwatch.twin.stream`) written in arrival
order to messages.jsonl, the ground truth to truth.jsonl, the resolved scenario to
scenario.json.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import msgspec
from tqdm import tqdm

from borderwatch import __version__
from borderwatch.errors import DataError
from borderwatch.messages import encode_lines
from borderwatch.twin.scenario import Scenario
from borderwatch.twin.stream import CHUNK_S, prepare
from borderwatch.twin.truth import write_truth
from borderwatch.twin.world import World

__all__ = ["CHUNK_S", "RunSummary", "simulate"]


@dataclass(slots=True)
class RunSummary:
    """What a run produced."""

    out_dir: Path
    messages: dict[str, int] = field(default_factory=dict)
    movers: dict[str, int] = field(default_factory=dict)
    crossings: int = 0
    hostile_crossings: int = 0

    @property
    def total_messages(self) -> int:
        """All messages written."""
        return sum(self.messages.values())


def _resolved(
    scenario: Scenario, seed: int, hours: float, world: World, start_ns: int, summary: RunSummary
) -> dict[str, object]:
    doc = msgspec.to_builtins(scenario)
    assert isinstance(doc, dict)
    doc.update(
        seed=seed,
        hours=hours,
        start_ns=start_ns,
        end_ns=start_ns + round(hours * 3600e9),
        sectors=list(world.sector_ids),
        watch_km=round(world.watch_km, 3),
        border_version=world.border.version,
        sites=world.sites_source,
        borderwatch_version=__version__,
        counts={
            "messages": summary.messages,
            "movers": summary.movers,
            "crossings": summary.crossings,
            "hostile_crossings": summary.hostile_crossings,
        },
    )
    return doc


def simulate(
    scenario: Scenario,
    scenario_file: Path | None,
    seed: int,
    out_dir: Path,
    hours: float | None = None,
    progress: bool | None = None,
) -> RunSummary:
    """Run the scenario and write messages.jsonl, truth.jsonl and scenario.json to `out_dir`."""
    run = prepare(scenario, scenario_file, seed, hours)
    start_ns = scenario.start_ns
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"--out {out_dir}: cannot create the directory ({exc.strerror})") from exc
    summary = RunSummary(out_dir)
    for m in run.movers:
        summary.movers[m.kind] = summary.movers.get(m.kind, 0) + 1
    summary.crossings = len(run.crossings)
    summary.hostile_crossings = sum(c.hostile and c.inbound for c in run.crossings)

    tmp = out_dir / "truth.jsonl.part"
    with tmp.open("wb") as f:
        write_truth(f, run.movers, run.crossings, run.cond, start_ns)
    os.replace(tmp, out_dir / "truth.jsonl")

    show = sys.stderr.isatty() if progress is None else progress
    tmp = out_dir / "messages.jsonl.part"
    counts: Counter[str] = Counter()
    with (
        tmp.open("wb") as f,
        tqdm(
            total=run.n_chunks, disable=not show, unit="chunk", desc=f"simulate {scenario.name}"
        ) as bar,
    ):
        for arrivals in run.chunks():
            if arrivals.messages:
                for kind, n in Counter(type(m) for m in arrivals.messages).items():
                    counts[str(kind.__struct_config__.tag)] += n  # the wire name: detection, ...
                f.write(encode_lines(arrivals.messages))
            if arrivals.index < run.n_chunks:
                bar.update(1)
    os.replace(tmp, out_dir / "messages.jsonl")
    summary.messages = dict(sorted(counts.items()))
    doc = _resolved(scenario, seed, run.hours, run.world, start_ns, summary)
    (out_dir / "scenario.json").write_bytes(msgspec.json.format(msgspec.json.encode(doc)) + b"\n")
    return summary
