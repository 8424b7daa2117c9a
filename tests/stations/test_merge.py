"""The operations room's merge: whatever order the stations' streams reach it in (a station
cut off for a while, then its backlog at once), it releases the one order an uncut system
would have seen, and never releases a message before one that could still come first."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from borderwatch.stations.merge import StationMerge

STATIONS = ["station-a", "station-b", "station-c"]

# Per station: arrival times (non-decreasing: a station's clock never goes back).
streams = st.fixed_dictionaries(
    {s: st.lists(st.integers(0, 50), max_size=30).map(sorted) for s in STATIONS}
)


@given(streams, st.randoms(use_true_random=False))
def test_any_delivery_order_releases_the_uncut_order(
    data: dict[str, list[int]], rnd: object
) -> None:
    import random

    assert isinstance(rnd, random.Random)
    expected = sorted(
        ((t, s, i) for s, times in data.items() for i, t in enumerate(times)),
        key=lambda r: (r[0], r[1], r[2]),
    )
    merge: StationMerge[int] = StationMerge(STATIONS)
    cursors = dict.fromkeys(STATIONS, 0)
    out: list[tuple[int, str, int]] = []
    # Deliver the stations' streams interleaved at random (each in its own order), with a
    # tick after some messages, releasing as we go.
    while any(cursors[s] < len(data[s]) for s in STATIONS):
        s = rnd.choice([s for s in STATIONS if cursors[s] < len(data[s])])
        i = cursors[s]
        merge.add(s, data[s][i], i)
        cursors[s] += 1
        if rnd.random() < 0.3:
            merge.tick(s, data[s][i])
        out.extend((t, st_, i) for st_, t, i in merge.release())
        # Never released ahead of what a station may still send.
        for st_name in STATIONS:
            if cursors[st_name] < len(data[st_name]) and out:
                nxt = (data[st_name][cursors[st_name]], st_name)
                assert (out[-1][0], out[-1][1]) <= nxt or out[-1][1] == st_name
    out.extend((t, st_, i) for st_, t, i in merge.release(flush=True))
    assert out == expected


def test_a_cut_station_holds_the_picture_back_until_it_is_heard_from() -> None:
    merge: StationMerge[str] = StationMerge(["station-a", "station-b"])
    merge.add("station-a", 10, "a10")
    merge.add("station-b", 11, "b11")
    assert [m for _, _, m in merge.release()] == ["a10"]
    # station-a is cut: station-b goes on, nothing of it is released past a's last word
    for t in (12, 20, 30):
        merge.add("station-b", t, f"b{t}")
    assert list(merge.release()) == []
    # the backlog arrives: everything in arrival order
    for t in (15, 25):
        merge.add("station-a", t, f"a{t}")
    merge.tick("station-a", 40)
    assert [m for _, _, m in merge.release()] == ["b11", "b12", "a15", "b20", "a25", "b30"]


def test_a_tick_releases_a_quiet_station_s_neighbours() -> None:
    merge: StationMerge[str] = StationMerge(["station-a", "station-b"])
    merge.add("station-b", 5, "b5")
    assert list(merge.release()) == []  # station-a might still send something at 5 or before
    merge.tick("station-a", 6)
    assert [m for _, _, m in merge.release()] == ["b5"]
