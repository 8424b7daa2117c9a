"""What a run sends is valid wire traffic: every line decodes and validates; per sensor the
sequence numbers count up 0, 1, 2... in file order; and since the file is in arrival order,
the sensors' own time stamps go back only by a link latency."""

from __future__ import annotations

from collections import defaultdict

import pytest

from borderwatch.errors import MessageError
from borderwatch.messages import Detection, Patrol, SensorStatus, decode_lines, validate
from borderwatch.twin import library

from .runs import NS, Run, Runs, SensorMessage, source

RUNS: list[tuple[str, float | None]] = [
    ("quiet-night", None),
    ("sensor-outage", None),
    *((name, 0.25) for name in library()),
]
# How far a message's time may lag the latest time seen before it: the link latency, which is
# a fixed part plus an exponential tail (twin.sensors.base.LATENCY_S). 15 s covers every link
# but the UGS radio (2 s + mean 3 s), whose tail reaches ~25 s in a day of 20 sensors.
MAX_BACK_S = {"ugs": 60.0}
DEFAULT_BACK_S = 15.0


@pytest.fixture(params=RUNS, ids=[f"{n}-{h or 'full'}" for n, h in RUNS])
def run(request: pytest.FixtureRequest, runs: Runs) -> Run:
    name, hours = request.param
    return runs(name, seed=1, hours=hours)


def _kind(m: SensorMessage) -> str:
    return "patrol" if isinstance(m, Patrol) else m.kind


def test_every_line_decodes_and_validates(run: Run) -> None:
    decoded = list(decode_lines(run.lines))
    assert len(decoded) == len(run.lines) > 0
    errors = [m for m in decoded if isinstance(m, MessageError)]
    assert errors == []
    for m in decoded:
        assert isinstance(m, Detection | SensorStatus | Patrol)
        assert validate(m) == m


def test_sequence_numbers_count_up_per_sensor(run: Run) -> None:
    seqs: dict[str, list[int]] = defaultdict(list)
    for m in run.messages:
        seqs[source(m)].append(m.seq)
    for sensor, s in seqs.items():
        assert s == list(range(len(s))), sensor  # strictly increasing, none lost


def test_time_goes_back_only_by_a_latency(run: Run) -> None:
    latest = -1
    worst: dict[str, float] = defaultdict(float)
    for m in run.messages:
        kind = _kind(m)
        worst[kind] = max(worst[kind], (latest - m.time_ns) / NS)
        latest = max(latest, m.time_ns)
    for kind, back in worst.items():
        assert back <= MAX_BACK_S.get(kind, DEFAULT_BACK_S), kind
