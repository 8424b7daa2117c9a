"""Replay through the engine: deterministic, indifferent to arrival order within the reorder
window, and every message that is not used is counted with its reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import pytest

from borderwatch.cli import main
from borderwatch.engine.picture import Picture
from borderwatch.engine.replay import replay_run
from borderwatch.geo import load_sites
from borderwatch.geo.registry import Registry
from borderwatch.messages import (
    Detection,
    Patrol,
    SensorStatus,
    Track,
    decode,
    decode_lines,
    encode,
)
from borderwatch.twin import load_scenario, simulate


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    scenario, path = load_scenario("quiet-night")
    out = tmp_path_factory.mktemp("qn")
    simulate(scenario, path, 1, out, hours=0.5, progress=False)
    return out


def _picture(run_dir: Path) -> Picture:
    meta = msgspec.json.decode((run_dir / "scenario.json").read_bytes())
    ids = set(meta["sectors"])
    return Picture(Registry.from_layout(load_sites().in_sectors(ids)), meta["start_ns"])


def test_replaying_twice_gives_byte_identical_tracks(run_dir: Path, tmp_path: Path) -> None:
    replay_run(run_dir, tmp_path / "a")
    replay_run(run_dir, tmp_path / "b")
    a = (tmp_path / "a" / "tracks.jsonl").read_bytes()
    assert a == (tmp_path / "b" / "tracks.jsonl").read_bytes()
    tracks = [m for m in decode_lines(a.splitlines()) if isinstance(m, Track)]
    assert tracks, "the crossers of quiet-night should be tracked"


def test_arrival_order_within_the_window_does_not_matter(run_dir: Path) -> None:
    lines = (run_dir / "messages.jsonl").read_bytes().splitlines()
    dets = [m for m in decode_lines(lines) if isinstance(m, Detection)]
    in_order = sorted(dets, key=lambda d: (d.time_ns, d.sensor_id, d.seq))
    # Every detection delayed by up to 1.9 s: out of order, but inside the 2 s window.
    rng = np.random.default_rng(4)
    delay = rng.uniform(0.0, 1.9e9, len(in_order))
    arrival = np.array([d.time_ns for d in in_order]) + delay
    shuffled = [in_order[k] for k in np.argsort(arrival, kind="stable")]
    assert shuffled != in_order
    a = [encode(t) for t in _picture(run_dir).take_all(in_order)]
    picture = _picture(run_dir)
    b = [encode(t) for t in picture.take_all(shuffled)]
    assert a
    assert a == b
    assert "late: beyond the reorder window" not in picture.counts


def test_late_unknown_and_malformed_are_counted_not_fatal(run_dir: Path) -> None:
    lines = (run_dir / "messages.jsonl").read_bytes().splitlines()
    dets = [m for m in decode_lines(lines) if isinstance(m, Detection) and m.kind == "radar"]
    first = dets[0]
    late = msgspec.structs.replace(first, seq=10**9)  # an hour behind
    stranger = msgspec.structs.replace(dets[-1], sensor_id="T99-R")
    extra = [encode(late), encode(stranger), b'{"type": "detection", "lat": "x"}', b"garbage"]
    picture = _picture(run_dir)
    tracks = list(picture.take_all(decode_lines([*lines, *extra])))
    assert tracks
    counts = picture.counts
    assert counts["late: beyond the reorder window"] == 1
    assert counts["rejected: unknown_sensor"] == 1
    assert sum(v for k, v in counts.items() if k.startswith("rejected: $")) == 2
    assert decode(encode(first), Detection) == first


def test_a_kind_that_is_not_the_sensors_is_rejected_not_fatal(run_dir: Path) -> None:
    """A camera report under a radar's id would reach the camera model with no camera."""
    lines = (run_dir / "messages.jsonl").read_bytes().splitlines()
    radar = next(m for m in decode_lines(lines) if isinstance(m, Detection) and m.kind == "radar")
    posing = msgspec.structs.replace(radar, kind="camera", range_m=None, sigma_range_m=None)
    picture = _picture(run_dir)
    assert list(picture.take_all(decode_lines([encode(posing), *lines])))
    assert picture.counts["rejected: wrong_kind"] == 1


def test_replay_command_writes_tracks_and_reports(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["replay", str(run_dir), "--out", str(tmp_path)]) == 0
    out = msgspec.json.decode(capsys.readouterr().out)
    assert out["tracks_written"] > 0
    assert out["input"]["accepted"] > 0
    assert (tmp_path / "tracks.jsonl").stat().st_size > 0
    assert main(["eval", str(run_dir), "--tracks", str(tmp_path / "tracks.jsonl"), "--json"]) == 0
    result = msgspec.json.decode(capsys.readouterr().out)
    assert result["gospa_mean_m"] is not None


def test_replay_of_a_missing_run_is_one_line_and_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["replay", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "not a run directory" in err


def _live(picture: Picture, messages: list[Any]) -> list[bytes]:
    """Everything `picture` releases when each message arrives at the time it says, or, for
    a liar, when its neighbour did (`arrived`: ns per message, or None: its own time)."""
    out: list[bytes] = []
    for m, arrived in messages:
        out.extend(encode(x) for x in picture.take(m, arrived or m.time_ns))
    return out


@pytest.mark.parametrize("ahead_s", [300, 86_400])
def test_a_sender_pushing_the_clock_changes_nothing(run_dir: Path, ahead_s: int) -> None:
    """A sender stamping its messages ahead of their arrival is refused: it does not move
    the picture's clock, and not one honest detection becomes late (issue 13, bar 3)."""
    lines = (run_dir / "messages.jsonl").read_bytes().splitlines()
    honest = [m for m in decode_lines(lines) if isinstance(m, Detection | SensorStatus | Patrol)]
    clean = _picture(run_dir)
    expected = _live(clean, [(m, None) for m in honest])
    liars = {k: m for k in range(100, len(honest), 97) if isinstance(m := honest[k], Detection)}
    poisoned: list[Any] = []
    for k, m in enumerate(honest):
        poisoned.append((m, None))
        if k in liars:
            push = msgspec.structs.replace(m, time_ns=m.time_ns + ahead_s * 10**9, seq=10**9 + k)
            poisoned.append((push, m.time_ns))
    picture = _picture(run_dir)
    assert _live(picture, poisoned) == expected
    assert picture.counts["rejected: time ahead of arrival"] == len(liars)
    assert picture.counts.get("late: beyond the reorder window", 0) == clean.counts.get(
        "late: beyond the reorder window", 0
    )
    # Each sender whose clock ran ahead was reported (equipment view), and came back.
    assert picture.counts["clock off"] >= 1
    assert set(picture.clocks.offset_s) >= {d.sensor_id for d in liars.values()}
