"""The change feed: numbered frames, kept within bounds, followed and resumed."""

from __future__ import annotations

import asyncio

import pytest

from borderwatch.engine import ChangeFeed, FallenBehindError, Frame
from borderwatch.messages import Alert


def _alert(n: int) -> Alert:
    return Alert(
        id=f"A{n:06d}",
        rule="crossing",
        category="intrusion",
        priority=1,
        time_ns=n,
        lat=32.0,
        lon=11.0,
    )


def test_old_tracks_frames_are_superseded_and_seqs_stay_gap_free() -> None:
    feed = ChangeFeed(keep=100, keep_tracks=3)
    for n in range(10):
        feed.publish("tracks", n, ())
        feed.publish("alert", n, (_alert(n),))
    frames = feed.since(0)
    assert frames is not None
    assert [f.seq for f in frames] == list(range(1, 21))
    kinds = [f.kind for f in frames]
    assert kinds.count("tracks") == 3  # the newest three snapshots
    assert kinds.count("superseded") == 7
    assert kinds.count("alert") == 10  # small frames are all kept
    assert all(not f.items for f in frames if f.kind == "superseded")


def test_patrols_frames_are_snapshots_too() -> None:
    feed = ChangeFeed(keep=100, keep_tracks=2)
    for n in range(5):
        feed.publish("patrols", n, ())
        feed.publish("tracks", n, ())
    frames = feed.since(0)
    assert frames is not None
    kinds = [f.kind for f in frames]
    assert (kinds.count("patrols"), kinds.count("tracks"), kinds.count("superseded")) == (2, 2, 6)


def test_a_follower_resumes_after_n_or_gets_a_reset_when_too_far_back() -> None:
    async def main() -> None:
        feed = ChangeFeed(keep=5)
        for n in range(8):
            feed.publish("alert", n, (_alert(n),))

        def reset() -> Frame:
            return Frame(seq=feed.last_seq, kind="reset", time_ns=0)

        got: list[Frame] = []
        async for frame in feed.follow(after=5, reset=reset):
            got.append(frame)
            if frame.seq == 8:
                break
        assert [f.seq for f in got] == [6, 7, 8]
        first = await anext(feed.follow(after=1, reset=reset))  # frames 2 and 3 are gone
        assert (first.kind, first.seq) == ("reset", 8)

    asyncio.run(asyncio.wait_for(main(), 10))


def test_a_follower_too_far_behind_is_let_go() -> None:
    async def main() -> None:
        feed = ChangeFeed(keep=100, max_backlog=3)
        stream = feed.follow(after=0)
        feed.publish("alert", 0, (_alert(0),))
        assert (await anext(stream)).seq == 1  # registered, reading
        for n in range(1, 6):
            feed.publish("alert", n, (_alert(n),))

        async def drain() -> None:
            async for _ in stream:
                pass

        with pytest.raises(FallenBehindError, match="reconnect from"):
            await drain()
        assert feed.dropped_followers == 1

    asyncio.run(asyncio.wait_for(main(), 10))
