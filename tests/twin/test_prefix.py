"""`hours` runs the first hours of the very same day: a short run is a prefix of a longer one,
in the messages sent and in the truth."""

from __future__ import annotations

import pytest

from .runs import NS, Run, Runs

EDGE_S = 30.0  # messages this close to the cut may still be on their way


def _sent_before(run: Run, t_s: float) -> set[bytes]:
    limit = run.start_ns + round(t_s * NS)
    return {line for line, m in zip(run.lines, run.messages, strict=True) if m.time_ns < limit}


def _crossed_before(run: Run, t_s: float) -> list[dict[str, object]]:
    return [c for c in run.rows("crossing") if c["t_ns"] < run.start_ns + t_s * NS]


@pytest.mark.parametrize(
    ("short_h", "long_h", "min_crossings"), [(1.0, 2.0, 0), (3.0, 4.0, 1)], ids=["1h-2h", "3h-4h"]
)
def test_short_run_is_a_prefix(
    runs: Runs, short_h: float, long_h: float, min_crossings: int
) -> None:
    short = runs("quiet-night", seed=1, hours=short_h)
    long = runs("quiet-night", seed=1, hours=long_h)
    cut = short_h * 3600.0 - EDGE_S
    head = _sent_before(short, cut)
    assert len(head) > 1000
    assert head == _sent_before(long, cut)
    crossed = _crossed_before(short, cut)
    assert len(crossed) >= min_crossings
    assert crossed == _crossed_before(long, cut)
