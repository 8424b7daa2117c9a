"""The response chain and the hand-overs between agencies, per incident of a period (the
definitions are in `figures`' comment): from one pass's steps (`derive.Step`)."""

from __future__ import annotations

from itertools import pairwise

import msgspec

from borderwatch.messages import Incident
from borderwatch.oversight.derive import Derived
from borderwatch.oversight.period import NS, nearest_rank

__all__ = ["STEPS", "HandOver", "StepStats", "handovers", "response"]

STEPS = ("acknowledge", "assign", "on_scene", "resolve")


class StepStats(msgspec.Struct, frozen=True, kw_only=True):
    """One step of the response chain for one sector or agency: n, median, p90 (s)."""

    key: str
    step: str
    n: int
    median_s: float | None
    p90_s: float | None


class HandOver(msgspec.Struct, frozen=True, kw_only=True):
    """Incidents handed from one agency to another: how many, how long (s)."""

    from_agency: str
    to_agency: str
    n: int
    median_s: float | None
    p90_s: float | None


def _stats(samples: dict[tuple[str, str], list[float]]) -> list[StepStats]:
    order = {s: i for i, s in enumerate(STEPS)}
    return [
        StepStats(
            key=key,
            step=step,
            n=len(v),
            median_s=nearest_rank(v, 50),
            p90_s=nearest_rank(v, 90),
        )
        for (key, step), v in sorted(samples.items(), key=lambda kv: (kv[0][0], order[kv[0][1]]))
    ]


def handovers(chains: list[list[tuple[int, str]]]) -> tuple[int, list[HandOver]]:
    """Incidents whose chain crosses an agency boundary, and the hand-overs per pair."""
    spans: dict[tuple[str, str], list[float]] = {}
    crossing = 0
    for chain in chains:
        crossing += len({agency for _, agency in chain}) > 1
        for (t0, a0), (t1, a1) in pairwise(chain):
            if a0 != a1:
                spans.setdefault((a0, a1), []).append((t1 - t0) / NS)
    return crossing, [
        HandOver(
            from_agency=a,
            to_agency=b,
            n=len(v),
            median_s=nearest_rank(v, 50),
            p90_s=nearest_rank(v, 90),
        )
        for (a, b), v in sorted(spans.items())
    ]


def response(
    d: Derived, mine: list[Incident]
) -> tuple[list[StepStats], list[StepStats], dict[str, str], list[list[tuple[int, str]]]]:
    """Per sector and per agency, each incident's outcome by the period's end, and each
    incident's chain: its first time in each state, in time order, and who took it."""
    by_sector: dict[tuple[str, str], list[float]] = {}
    by_agency: dict[tuple[str, str], list[float]] = {}
    outcome: dict[str, str] = {}
    chains: list[list[tuple[int, str]]] = []
    for inc in mine:
        first: dict[str, tuple[int, str]] = {}
        for s in sorted(d.steps.get(inc.id, []), key=lambda s: s.time_ns):
            if s.time_ns < d.period.end_ns and s.state not in first:
                first[s.state] = (s.time_ns, s.agency)
        chains.append(sorted(first.values()))
        outcome[inc.id] = (inc.outcome or "open") if "resolved" in first else "open"
        spans = {
            "acknowledge": ("opened", "acknowledged"),
            "assign": ("acknowledged", "assigned"),
            "on_scene": ("assigned", "on_scene"),
            "resolve": ("opened", "resolved"),
        }
        first["opened"] = (inc.opened_ns, "")
        for step, (a, b) in spans.items():
            if a in first and b in first:
                seconds = (first[b][0] - first[a][0]) / NS
                by_sector.setdefault((inc.sector, step), []).append(seconds)
                by_agency.setdefault((first[b][1], step), []).append(seconds)
    return _stats(by_sector), _stats(by_agency), outcome, chains
