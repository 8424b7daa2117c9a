"""The twin's stream: chunk after chunk, what arrives in arrival order, each message tagged with
the sensor that sent it; the same messages `simulate` writes, in the same order."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from borderwatch.messages import Patrol
from borderwatch.twin import load_scenario, simulate
from borderwatch.twin.stream import CHUNK_S, prepare, stream_chunks
from tests.scenarios import THREE_CROSSINGS

from .runs import Run

HOURS = 0.4  # three chunks (two whole, one part) and what arrives after the end


def test_chunks_are_in_arrival_order_tagged_by_sender(tmp_path: Path) -> None:
    path = tmp_path / "scenario.toml"
    path.write_text(THREE_CROSSINGS)
    scenario, _ = load_scenario(path)
    run = prepare(scenario, path, 1, hours=HOURS)
    chunks = list(run.chunks())
    assert len(chunks) == run.n_chunks + 1 == 4
    assert [c.t0 for c in chunks] == [0.0, CHUNK_S, 2 * CHUNK_S, HOURS * 3600.0]
    assert chunks[-1].t1 == np.inf
    for c in chunks:
        assert len(c.arrival_s) == len(c.sender) == len(c.messages)
        assert np.all(np.diff(c.arrival_s) >= 0)
        assert np.all((c.arrival_s >= c.t0) & (c.arrival_s < c.t1))
        for k, m in zip(c.sender.tolist(), c.messages, strict=True):
            sent_by = m.callsign if isinstance(m, Patrol) else m.sensor_id  # type: ignore[attr-defined]
            assert run.sensors[k].id == sent_by
    assert sum(len(c.messages) for c in chunks[:-1]) > 1000
    assert len(chunks[-1].messages) > 0  # sent before the end, still on their way

    simulate(scenario, path, 1, tmp_path / "run", hours=HOURS, progress=False)
    streamed = [m for c in stream_chunks(scenario, path, 1, hours=HOURS) for m in c.messages]
    assert streamed == Run(tmp_path / "run").messages
