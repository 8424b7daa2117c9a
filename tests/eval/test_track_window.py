"""Streaming the tracks file keeps exactly the latest report per track at each evaluation time."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from borderwatch.errors import DataError
from borderwatch.eval import tracks
from borderwatch.messages import Track, TrackStatus, encode_lines

from .rundir import START

S = 1_000_000_000
STATUSES: list[TrackStatus] = ["tentative", "confirmed", "coasting", "deleted"]

report = st.tuples(
    st.sampled_from(["T1", "T2", "T3"]),
    st.integers(-30, 130),  # half-seconds after START
    st.sampled_from(STATUSES),
    st.floats(-5.0, 5.0),
)


def _brute(
    rows: list[tuple[str, int, TrackStatus, float]], times: list[int]
) -> list[tuple[int, float]]:
    out = []
    for k, tk in enumerate(times):
        for tid in sorted({r[0] for r in rows}):
            mine = [(t, line, st, v) for line, (i, t, st, v) in enumerate(rows) if i == tid]
            seen = [r for r in mine if START + r[0] * S // 2 <= tk]
            if not seen:
                continue
            t, _, status, v = max(seen, key=lambda r: (r[0], r[1]))
            age = tk - (START + t * S // 2)
            if status in ("confirmed", "coasting") and age < 5 * S:
                out.append((k, 1000.0 + v * age / 1e9))
    return sorted(out)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(report, max_size=40), batch=st.integers(1, 2000))
def test_matches_definition(
    tmp_path_factory: pytest.TempPathFactory,
    rows: list[tuple[str, int, TrackStatus, float]],
    batch: int,
) -> None:
    path = tmp_path_factory.mktemp("tracks") / "tracks.jsonl"
    path.write_bytes(
        encode_lines(
            Track(id=i, sector="N01", time_ns=START + t * S // 2, lat=33.0, lon=11.0,
                  state=(1000.0, v, 0.0, 0.0), status=st)
            for i, t, st, v in rows
        )
    )  # fmt: skip
    times = tracks.evaluation_times(START, START + 60 * S)
    with mock.patch.object(tracks, "_BATCH_BYTES", batch):
        est = tracks.read_estimates(path, times)
    assert est.reports == len(rows)
    got = sorted(zip(est.k.tolist(), est.xy[:, 0].tolist(), strict=True))
    want = _brute(rows, times.tolist())
    assert [k for k, _ in got] == [k for k, _ in want]
    np.testing.assert_allclose([x for _, x in got], [x for _, x in want], atol=1e-9)
    assert list(est.k) == sorted(est.k)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="cannot read"):
        tracks.read_estimates(tmp_path / "nope.jsonl", tracks.evaluation_times(0, 10 * S))
