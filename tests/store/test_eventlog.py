"""EventLog: what goes in comes back out, in seq order, with where and when it came from."""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings

from borderwatch.errors import MessageError
from borderwatch.messages import Detection, Patrol, Track, encode
from borderwatch.store import KINDS, EventLog, Loggable
from tests.messages.strategies import BY_TYPE

from .samples import T0, action, detection, detections, patrol, status

LOGGED = sorted(KINDS.values())


@pytest.mark.parametrize("kind", LOGGED)
def test_each_kind_round_trips(log: EventLog, kind: str) -> None:
    @settings(max_examples=25)
    @given(st.lists(BY_TYPE[kind], min_size=1, max_size=5), st.integers(0, 2**62))
    def check(messages: list[Loggable], arrived_ns: int) -> None:
        before = log.last_seq()
        seqs = log.append(messages, f"test:{kind}", arrived_ns)
        assert seqs == range(before + 1, before + 1 + len(messages))
        events = list(log.read(after=before))
        assert [e.seq for e in events] == list(seqs)
        assert [e.message for e in events] == messages
        assert {(e.kind, e.source, e.arrived_ns) for e in events} == {
            (kind, f"test:{kind}", arrived_ns)
        }
        assert [e.time_ns for e in events] == [m.time_ns for m in messages]

    check()


def test_payload_is_the_canonical_json_a_person_can_query(log: EventLog, log_path: Path) -> None:
    d = detection(2, 7)
    log.append([d, action(1, "INC-9")], "tcp:127.0.0.1:50000", T0 + 5)
    with sqlite3.connect(log_path) as shell:
        rows = shell.execute(
            "SELECT seq, kind, time_ns, arrived_ns, source, target, payload,"
            " json_extract(payload, '$.sensor_id') FROM events ORDER BY seq"
        ).fetchall()
    shell.close()
    assert rows[0] == (
        1,
        "detection",
        d.time_ns,
        T0 + 5,
        "tcp:127.0.0.1:50000",
        None,
        encode(d).decode(),
        "U-N04-2",
    )
    assert rows[1][1] == "action"
    assert rows[1][5] == "INC-9"
    assert json.loads(rows[1][6])["why"] == "seen on camera T07-C"


def test_read_after_limit_and_kinds_across_pages(log: EventLog) -> None:
    # More than one read page (1000 rows), of mixed kinds.
    log.append(detections(1, 0, 1500), "a", T0)
    log.append([status(7, 1), patrol(1), status(7, 2)], "b", T0)
    log.append(detections(1, 1500, 1200), "a", T0)
    assert log.last_seq() == log.count() == 2703
    assert [e.seq for e in log.read()] == list(range(1, 2704))
    assert [e.seq for e in log.read(after=1499, limit=3)] == [1500, 1501, 1502]
    assert [e.seq for e in log.read(after=10, limit=1200)] == list(range(11, 1211))
    assert [e.seq for e in log.read(kinds=["status"])] == [1501, 1503]
    assert [e.kind for e in log.read(after=1499, limit=5, kinds=["patrol", "detection"])] == [
        "detection",
        "patrol",
        "detection",
        "detection",
        "detection",
    ]
    assert list(log.read(after=2703)) == []
    assert list(log.read(limit=0)) == []


def test_audit_trail_all_and_per_incident(log: EventLog) -> None:
    log.append([action(1, "INC-1"), detection(1, 1), action(2, "INC-2")], "api:op1", T0)
    log.append([action(3, "INC-1", user="op2"), action(4, None)], "api:op2", T0)
    assert [e.message for e in log.audit()] == [
        action(1, "INC-1"),
        action(2, "INC-2"),
        action(3, "INC-1", user="op2"),
        action(4, None),
    ]
    trail = list(log.audit("INC-1"))
    assert [(e.seq, e.message, e.source) for e in trail] == [
        (1, action(1, "INC-1"), "api:op1"),
        (4, action(3, "INC-1", user="op2"), "api:op2"),
    ]
    assert [e.seq for e in log.audit("INC-1", after=1)] == [4]
    assert list(log.audit("INC-404")) == []


def test_audit_queries_use_an_index(log: EventLog, log_path: Path) -> None:
    db = sqlite3.connect(log_path)
    select = "SELECT seq, payload FROM events WHERE kind = 'action'"
    cases: list[tuple[str, list[str | int], str]] = [
        (f"{select} AND target = ? AND seq > ? ORDER BY seq", ["X", 0], "events_action_target"),
        (f"{select} AND seq > ? ORDER BY seq", [0], "events_actions"),
    ]
    for sql, params, index in cases:
        plan = " ".join(str(r) for r in db.execute(f"EXPLAIN QUERY PLAN {sql}", params))
        assert f"USING INDEX {index}" in plan or f"USING COVERING INDEX {index}" in plan, plan
        assert "TEMP B-TREE" not in plan, plan
    db.close()


def test_an_empty_log(log: EventLog) -> None:
    assert (log.last_seq(), log.count()) == (0, 0)
    assert list(log.read()) == []
    assert list(log.audit()) == []
    assert log.append([], "a", T0) == range(1, 1)
    assert log.append([patrol(1)], "a", T0) == range(1, 2)


@pytest.mark.parametrize(
    ("bad", "field", "words"),
    [
        (
            Track(id="t1", sector="N04", time_ns=T0, lat=32.0, lon=11.0, state=(0.0,) * 4),
            "$.type",
            "not Track",
        ),
        (
            Patrol(callsign="NG-1", agency="garde", time_ns=T0, lat=math.nan, lon=11.0),
            "$.lat",
            "message 1",
        ),
        (
            Detection(
                sensor_id="U-1",
                kind="ugs",
                seq=-1,
                time_ns=T0,
                lat=32.0,
                lon=11.0,
                cov_m2=(1.0, 0.0, 1.0),
            ),
            "$.seq",
            ">= 0",
        ),
    ],
    ids=["not-loggable", "nan", "out-of-range"],
)
def test_a_message_that_would_not_replay_is_refused_whole(
    log: EventLog, bad: Any, field: str, words: str
) -> None:
    with pytest.raises(MessageError) as caught:
        log.append([detection(1, 1), bad, detection(1, 2)], "a", T0)
    assert caught.value.field == field
    assert words in str(caught.value)
    assert log.count() == 0
    assert log.append([detection(1, 3)], "a", T0) == range(1, 2)
