"""`Heard.name_for`: which name a track handed over to a worker takes from its neighbour's
published tracks, by shared evidence keys; a pure function of what was published before the
scene asked about, so the same whatever more of the neighbour has been read."""

from __future__ import annotations

from borderwatch.stations.handover import Heard

S = 1_000_000_000


def _heard() -> Heard:
    heard = Heard(horizon_ns=60 * S)
    heard.add(100 * S, "T:T13-R/1", ["T12-R/7", "T12-R/8", "T11-R/3"])
    heard.add(101 * S, "T:T13-R/1", ["T12-R/8", "T11-R/3", "T11-R/4"])
    heard.add(101 * S, "T:T09-R/5", ["T09-R/40", "T09-R/41"])
    return heard


def test_the_neighbours_track_sharing_evidence_gives_its_name() -> None:
    heard = _heard()
    assert heard.name_for(["T11-R/4", "T11-R/5", "T12-R/8"], 102 * S) == "T:T13-R/1"
    assert heard.name_for(["T09-R/41"], 102 * S) == "T:T09-R/5"
    assert heard.name_for(["T07-R/1"], 102 * S) is None  # born here: its own name


def test_only_what_was_published_before_the_scene_counts() -> None:
    heard = _heard()
    # read further than asked (a neighbour ahead): what it published at or after the scene
    # asked about is not looked at, so the answer does not depend on how far it was read
    heard.add(102 * S, "T:T05-R/9", ["T11-R/4", "T11-R/5", "T12-R/8", "T12-R/9"])
    assert heard.name_for(["T11-R/4", "T11-R/5", "T12-R/8"], 102 * S) == "T:T13-R/1"
    assert heard.name_for(["T11-R/4"], 101 * S) is None  # seen first at 101 s
    # nor what is older than the horizon
    assert heard.name_for(["T12-R/7"], 161 * S) is None
    assert heard.name_for(["T11-R/3"], 161 * S) == "T:T13-R/1"


def test_most_shared_keys_then_latest_then_least_name() -> None:
    heard = Heard()
    heard.add(10 * S, "T:b", ["k1", "k2"])
    heard.add(11 * S, "T:c", ["k1"])
    heard.add(11 * S, "T:a", ["k1"])
    assert heard.name_for(["k1", "k2"], 12 * S) == "T:b"
    assert heard.name_for(["k1"], 12 * S) == "T:a"
    # two tracks of one scene do not take one name
    assert heard.name_for(["k1"], 12 * S, taken={"T:a"}) == "T:c"


def test_forgetting_keeps_what_may_still_be_asked() -> None:
    heard = _heard()
    heard.forget_before(101 * S)
    assert heard.name_for(["T12-R/7"], 102 * S) is None
    assert heard.name_for(["T12-R/8"], 102 * S) == "T:T13-R/1"
    assert set(heard.by_key) == {"T12-R/8", "T11-R/3", "T11-R/4", "T09-R/40", "T09-R/41"}
