"""After a gap in the feed of any length the picture resumes with the first new events
(issue 13, bar 2), and a sender pushing the clock makes no honest event late (bar 3), through
the real service: admission, the event log with each event's arrival time, the supervised
engine. The service's clock is simulated (the test sets it as the twin's messages arrive),
never slept on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from borderwatch.accounts import DataDir
from borderwatch.messages import Detection, Patrol, SensorStatus, Track, decode_lines
from borderwatch.service import Service, ServiceOptions
from tests.scenarios import THREE_CROSSINGS, simulate_text

S = 1_000_000_000
LATENCY_NS = 300_000_000  # the sensors' messages reach the service this long after


class Clock:
    """The service's clock, set by the test."""

    def __init__(self) -> None:
        self.now_ns = 0

    def __call__(self) -> int:
        return self.now_ns


@pytest.fixture(scope="module")
def messages(tmp_path_factory: pytest.TempPathFactory) -> list[Any]:
    run_dir = simulate_text(tmp_path_factory.mktemp("gaps"), THREE_CROSSINGS)
    with (run_dir / "messages.jsonl").open("rb") as f:
        return [m for m in decode_lines(f) if isinstance(m, Detection | SensorStatus | Patrol)][
            :20_000
        ]


def _seconds(messages: list[Any]) -> Iterator[list[Any]]:
    """The stream in arrival order, a second of event time at a time."""
    batch: list[Any] = []
    for m in messages:
        if batch and m.time_ns >= batch[0].time_ns + S:
            yield batch
            batch = []
        batch.append(m)
    if batch:
        yield batch


async def _live(s: Service, clock: Clock, messages: list[Any], shift_ns: int = 0) -> None:
    """Each second's messages arrive together, `LATENCY_NS` after the newest of them."""
    for batch in _seconds(messages):
        shifted = [msgspec.structs.replace(m, time_ns=m.time_ns + shift_ns) for m in batch]
        clock.now_ns = max(m.time_ns for m in shifted) + LATENCY_NS
        await s.admission.accept(shifted, "test:twin")
    await asyncio.wait_for(s.engine.processed(s.writer.last_seq), 60)


def _tracks_frames(s: Service, after_seq: int) -> list[tuple[int, int]]:
    """(event time, number of tracks) of each tracks frame after feed seq `after_seq`."""
    return [
        (f.time_ns, len(f.items)) for f in s.feed.frames if f.seq > after_seq and f.kind == "tracks"
    ]


def _first_tracks(s: Service, after_seq: int, since_ns: int) -> int:
    first: int = next(t for t, n in _tracks_frames(s, after_seq) if t >= since_ns and n > 0)
    return first


@pytest.fixture(scope="module")
def fresh(messages: list[Any], tmp_path_factory: pytest.TempPathFactory) -> int:
    """When a picture that starts with the resumed stream (no history) first shows a track,
    s after its first detection: what "resumes with the first new events" is measured by."""
    after = messages[len(messages) // 2 :][:3000]

    async def run() -> int:
        clock = Clock()
        clock.now_ns = int(after[0].time_ns)
        options = ServiceOptions(
            data=DataDir(tmp_path_factory.mktemp("fresh")), sectors=("N03",), synchronous="NORMAL"
        )
        async with Service.start(options, clock) as s:
            await _live(s, clock, after)
            start: int = after[0].time_ns
            return _first_tracks(s, 0, start) - start

    return asyncio.run(run())


@pytest.mark.parametrize("gap_s", [6 * 60, 3600, 26 * 3600])
def test_the_picture_resumes_after_a_gap(
    messages: list[Any], fresh: int, tmp_path: Path, gap_s: int
) -> None:
    half = len(messages) // 2
    before, after = messages[:half], messages[half:][:3000]

    async def run() -> None:
        clock = Clock()
        clock.now_ns = messages[0].time_ns
        options = ServiceOptions(data=DataDir(tmp_path), sectors=("N03",), synchronous="NORMAL")
        async with Service.start(options, clock) as s:
            await _live(s, clock, before)
            assert s.engine.tracks, "tracks before the gap"
            frames_before = s.feed.last_seq
            # The feed stops; the clock goes on; then the sensors come back.
            shift = gap_s * S
            first_new = after[0].time_ns + shift
            await _live(s, clock, after, shift)
            frames = _tracks_frames(s, frames_before)
            # Old tracks coast out and are deleted; they never freeze in the picture: the
            # first scene after the gap holds none of them.
            resumed = [(t, n) for t, n in frames if t >= first_new]
            assert resumed, "no scene after the gap"
            old = {
                tr.id
                for f in s.feed.frames
                if f.seq <= frames_before
                for tr in f.items
                if isinstance(tr, Track)
            }
            assert not old & {tr.id for tr in s.engine.tracks.values()}
            # New tracks within 10 s of when a picture without history would show them.
            first_tracks = _first_tracks(s, frames_before, first_new)
            assert first_tracks - first_new <= fresh + 10 * S
            # A day's gap costs a scene or two, not 17,000 (the empty stretch is skipped).
            assert len(frames) < 2 * (after[-1].time_ns - after[0].time_ns) / (5 * S) + 30
            # An alert a message causes on its own comes at once: a tower reports tampering.
            sensor = sorted(s.registry.radars)[0]
            tamper = SensorStatus(
                sensor_id=sensor, kind="radar", seq=10**9, time_ns=clock.now_ns, health="tampered"
            )
            clock.now_ns += LATENCY_NS
            await s.admission.accept([tamper], "test:twin")
            await asyncio.wait_for(s.engine.processed(s.writer.last_seq), 10)
            alerts = [a for a in s.engine.alerts.values() if a.time_ns >= first_new]
            assert any(a.rule == "sensor_tampered" for a in alerts)
            # Nothing honest was refused or late because of the gap.
            counts = s.engine.picture.counts  # type: ignore[union-attr]
            assert counts.get("rejected: time ahead of arrival", 0) == 0
            status = s.engine_status()
            assert status.ready
            assert status.lag_events == 0

    asyncio.run(run())


def test_a_sender_stamping_ahead_drops_no_honest_event(messages: list[Any], tmp_path: Path) -> None:
    """A sender stamping +300 s (within what admission lets through, when it allows that
    much) is refused by the engine's clock check; the honest picture is the clean one."""

    async def run(data: Path, liar: bool) -> tuple[dict[str, Any], dict[str, int]]:
        from borderwatch.engine.config import EngineConfig, TimeConfig

        clock = Clock()
        clock.now_ns = messages[0].time_ns
        config = EngineConfig(time=TimeConfig(max_ahead_s=600.0))
        options = ServiceOptions(
            data=DataDir(data), sectors=("N03",), synchronous="NORMAL", config=config
        )
        async with Service.start(options, clock) as s:
            for k, batch in enumerate(_seconds(messages[:8000])):
                clock.now_ns = max(m.time_ns for m in batch) + LATENCY_NS
                await s.admission.accept(batch, "test:twin")
                if liar and k % 5 == 0:
                    d = next((m for m in batch if isinstance(m, Detection)), None)
                    if d is not None:
                        push = msgspec.structs.replace(
                            d, time_ns=d.time_ns + 300 * S, seq=d.seq + 10**9
                        )
                        await s.admission.accept([push], "test:liar")
            await asyncio.wait_for(s.engine.processed(s.writer.last_seq), 60)
            e = s.engine
            counts = e.picture.counts  # type: ignore[union-attr]
            return {"alerts": dict(e.alerts), "incidents": dict(e.incidents)}, counts

    clean, clean_counts = asyncio.run(run(tmp_path / "clean", False))
    pushed, counts = asyncio.run(run(tmp_path / "pushed", True))
    assert counts["rejected: time ahead of arrival"] > 50
    assert counts.get("late: beyond the reorder window", 0) == clean_counts.get(
        "late: beyond the reorder window", 0
    )
    assert pushed == clean
