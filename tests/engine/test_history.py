"""Each track's path as the engine keeps it: a point per snapshot, oldest first, the last
`keep_s` of it, dropped `linger_s` after the track ends unless an open incident names it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from borderwatch.engine.history import PathPoint, TrackHistory
from borderwatch.engine.live import LiveEngine
from borderwatch.geo import load_sites
from borderwatch.geo.registry import Registry
from borderwatch.messages import Track, decode_lines
from tests.scenarios import TEN_MINUTES, simulate_text

T0 = 1_773_471_600_000_000_000
S = 1_000_000_000


def _track(tid: str, time_ns: int, coasting: bool = False) -> Track:
    k = (time_ns - T0) / S
    return Track(
        id=tid,
        sector="N03",
        time_ns=time_ns,
        lat=32.8 + k * 1e-5,
        lon=11.5 - k * 1e-5,
        state=(0.0, 0.0, 0.0, 0.0),
        status="coasting" if coasting else "confirmed",
    )


def _none() -> frozenset[str]:
    return frozenset()


def test_a_path_grows_a_point_per_snapshot_in_time_order() -> None:
    history = TrackHistory()
    for k in range(10):
        t = T0 + k * 5 * S
        history.add(t, [_track("T1", t, coasting=k == 4), _track("T2", t)][: 1 + k % 2], _none)
    path = history.get("T1")
    assert path is not None
    points = list(path)
    assert len(points) == len(path) == 10
    assert [p.time_ns for p in points] == [T0 + k * 5 * S for k in range(10)]
    assert points[4] == PathPoint(T0 + 20 * S, 32.8 + 20e-5, 11.5 - 20e-5, True)
    assert [p.coasting for p in points].count(True) == 1
    t2 = history.get("T2")
    assert t2 is not None
    assert len(t2) == 5
    assert history.get("T3") is None


def test_a_path_keeps_only_its_last_keep_s() -> None:
    history = TrackHistory(keep_s=60.0)
    for k in range(1_000):  # 5,000 s: the arrays are compacted many times over
        t = T0 + k * 5 * S
        history.add(t, [_track("T1", t)], _none)
    path = history.get("T1")
    assert path is not None
    times = [p.time_ns for p in path]
    assert times == [T0 + k * 5 * S for k in range(1_000 - 13, 1_000)]  # 60 s back, inclusive
    assert len(path.times) <= 2 * 13 + 65  # the dead space before the start stays bounded


def test_an_ended_track_is_dropped_after_linger_s_unless_an_open_incident_names_it() -> None:
    history = TrackHistory(linger_s=600.0, prune_every_s=60.0)
    named = {"T2"}
    for k in range(400):  # T1, T2 end at 100 s; T3 goes on
        t = T0 + k * 5 * S
        tracks = [_track("T3", t)]
        if k < 20:
            tracks += [_track("T1", t), _track("T2", t)]
        history.add(t, tracks, lambda: named)
        if k == 100:  # 500 s: within linger_s of the end, kept
            assert history.get("T1") is not None
    assert history.get("T1") is None  # 600 s after it ended (pruned once a minute)
    assert history.get("T2") is not None  # an open incident names it
    assert history.get("T3") is not None
    assert history.dropped == 1
    named.clear()  # the incident is resolved
    t = T0 + 400 * 5 * S
    history.add(t + 60 * S, [_track("T3", t + 60 * S)], lambda: named)
    assert history.get("T2") is None
    assert len(history) == 1


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(["A", "B", "C"]), unique=True), min_size=1, max_size=200),
    st.integers(min_value=1, max_value=100),
)
def test_paths_hold_exactly_their_last_keep_s(snapshots: list[list[str]], keep: int) -> None:
    history = TrackHistory(keep_s=keep * 5.0, linger_s=1e9)
    seen: dict[str, list[int]] = {}
    for k, ids in enumerate(snapshots):
        t = T0 + k * 5 * S
        history.add(t, [_track(tid, t) for tid in ids], _none)
        for tid in ids:
            seen.setdefault(tid, []).append(t)
    assert set(history.paths) == set(seen)
    for tid, times in seen.items():
        path = history.get(tid)
        assert path is not None
        assert [p.time_ns for p in path] == [x for x in times if x >= times[-1] - keep * 5 * S]


@pytest.fixture(scope="module")
def ten_minutes(tmp_path_factory: pytest.TempPathFactory) -> list[object]:
    run_dir = simulate_text(tmp_path_factory.mktemp("history-run"), TEN_MINUTES)
    with (run_dir / "messages.jsonl").open("rb") as f:
        return list(decode_lines(f))


def test_the_engine_keeps_each_tracks_path_from_its_snapshots(ten_minutes: list[object]) -> None:
    """Through the live engine: every current track's path ends where the track is now, has
    a point for each tracks frame it was in, and is bounded by a short keep and linger."""
    engine = LiveEngine(Registry.from_layout(load_sites().in_sectors({"N03"})))
    engine.history = TrackHistory(keep_s=120.0, linger_s=60.0, prune_every_s=10.0)
    in_frames: dict[str, list[tuple[int, float, float, bool]]] = {}
    last_frame = 0
    for seq, message in enumerate(ten_minutes, 1):
        engine.take(seq, message)
        for frame in engine.feed.since(last_frame) or ():
            if frame.kind == "tracks":
                for tr in frame.items:
                    assert isinstance(tr, Track)
                    point = (tr.time_ns, tr.lat, tr.lon, tr.status == "coasting")
                    in_frames.setdefault(tr.id, []).append(point)
        last_frame = engine.feed.last_seq
    assert len(engine.tracks) >= 2
    named = {t for i in engine.incidents.values() if i.state != "resolved" for t in i.track_ids}
    end = engine.tracks_time_ns
    for tid, points in in_frames.items():
        path = engine.history.get(tid)
        if points[-1][0] < end - 70 * S and tid not in named:
            assert path is None, f"{tid} ended at {points[-1][0]}, still kept at {end}"
            continue
        assert path is not None, tid
        kept = [p for p in points if p[0] >= points[-1][0] - 120 * S]
        assert [tuple(p) for p in path] == kept
    for tid, track in engine.tracks.items():
        path = engine.history.get(tid)
        assert path is not None
        assert list(path)[-1] == PathPoint(end, track.lat, track.lon, track.status == "coasting")
    assert engine.history.dropped > 0


def test_the_history_is_rebuilt_from_the_log(ten_minutes: list[object]) -> None:
    """Two engines fed the same log keep the same paths (a restart rebuilds them)."""
    engines = [LiveEngine(Registry.from_layout(load_sites().in_sectors({"N03"}))) for _ in "ab"]
    for engine in engines:
        for seq, message in enumerate(ten_minutes[:2_000], 1):
            engine.take(seq, message)
    a, b = (e.history for e in engines)
    assert a.paths.keys() == b.paths.keys()
    assert a.points() > 0
    for tid, path in a.paths.items():
        assert list(path) == list(b.paths[tid])
