"""`borderwatch demo stations` through the command line, on the real nats-server from the
wheel: a station's link cut for 300 s of event time (every connection closed and refused), a
cluster node killed with SIGKILL in the middle of the cut; nothing lost, nothing twice, the
operations room's picture equal to that of an uncut run, the station alerting on its own
during the cut."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from borderwatch.cli import main


@pytest.mark.slow
def test_demo_stations_cut_and_node_killed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "demo"
    args = ["--hours", "0.25", "--cut-at", "240", "--cut", "300", "--dir", str(root)]
    status = main(["demo", "stations", *args, "--json"])
    out = json.loads(capsys.readouterr().out)
    assert status == 0, out
    assert out["sent"] > 10_000
    assert out["acknowledged"] == out["sent"] == out["at_centre"]
    assert out["lost"] == 0
    # nothing taken in twice, counted from the room's log; JetStream's re-deliveries after
    # the killed node lost acknowledgements are dropped by id, counted apart
    assert out["duplicates"] == 0
    assert out["redelivered_dropped"] >= 0
    assert out["room"]["redelivered_dropped"] == out["redelivered_dropped"]
    assert out["distinct_ids_sent"] == out["sent"]
    assert out["picture_equal"] is True
    picture = out["picture"]["centre"]
    for kind in ("tracks", "alerts", "incidents"):
        assert picture[kind] > 0
    cut = out["cut"]
    assert cut["event_s"] == 300.0
    assert cut["link_cuts"] == 1
    # The link was really down: nothing the station took in during the cut reached the room
    # before the heal.
    assert cut["acknowledged_during_cut"] > 1_000
    assert cut["backlog_at_heal"] >= cut["acknowledged_during_cut"]
    assert cut["station_alerted_during_cut"] is True
    assert out["catch_up_s"] is not None
    assert out["killed_node"] == "hub-2"
    assert out["nodes_up"] == 2
    for health in out["stations"]:
        assert health["backlog"] == 0
    # The room's log, replayed the way a reviewer would: the room's very picture, ids and all.
    assert out["replay_equal"] is True
    assert main(["replay", "--data", str(root / "room"), "--out", str(tmp_path / "r")]) == 0
    capsys.readouterr()
    for kind in ("tracks", "alerts", "incidents"):
        data = (tmp_path / "r" / f"{kind}.jsonl").read_bytes()
        assert hashlib.sha256(data).hexdigest() == picture[f"{kind}_sha256"]


def test_demo_refuses_a_negative_cut(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["demo", "stations", "--cut", "-5"])
    assert "seconds must be >= 0" in capsys.readouterr().err
