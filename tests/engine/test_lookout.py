"""Lookout hits at the posts through the live engine: an alert at the post filed into an
incident, the second line's decisions moving it on, refusals counted, and a second engine fed
the same log (a rebuild, a replay) ending with the very same incidents."""

from __future__ import annotations

import msgspec
import pytest

from borderwatch.engine.live import ActionError, LiveEngine
from borderwatch.engine.lookout import passages_of, post_places
from borderwatch.geo import load_sites
from borderwatch.geo.registry import Registry
from borderwatch.messages import ActionKind, OperatorAction

T0 = 1_795_515_000_000_000_000
S = 1_000_000_000


def _engine() -> LiveEngine:
    return LiveEngine(Registry.from_layout(load_sites().in_sectors({"N03"})))


def _action(n: int, kind: ActionKind, target: str, t: int, **params: str) -> OperatorAction:
    return OperatorAction(
        id=f"A{n:04d}",
        user="cus1",
        agency="customs",
        role="officer",
        time_ns=T0 + t * S,
        action=kind,
        target=target,
        why="at the lane",
        params=params,
    )


def _hit(
    n: int, passage: str, t: int, post: str = "ras_ajdir", entries: str = "watch/W1@0.93"
) -> OperatorAction:
    return _action(n, "lookout_hit", passage, t, post=post, lane="L1", entries=entries)


def _feed(engine: LiveEngine, actions: list[OperatorAction]) -> None:
    for seq, a in enumerate(actions, 1):
        engine.take(seq, a)


def test_posts_lie_at_their_crossings_in_a_sector() -> None:
    places = post_places()
    assert set(places) == {"ras_ajdir", "dehiba_wazen"}
    assert abs(places["ras_ajdir"].lat - 33.134) < 0.01
    assert abs(places["dehiba_wazen"].lon - 10.74) < 0.01
    assert places["ras_ajdir"].sector != places["dehiba_wazen"].sector


def test_a_hit_opens_an_incident_and_the_decisions_close_it() -> None:
    engine = _engine()
    log = [_hit(1, "P1", 0), _hit(2, "P2", 60), _hit(3, "P3", 120, post="dehiba_wazen")]
    _feed(engine, log)
    one, two, three = (engine.lookouts[p] for p in ("P1", "P2", "P3"))
    assert one == two != three  # one listed person hit twice at a post within minutes
    inc = engine.incidents[one]
    assert (inc.category, inc.state, inc.track_ids) == ("checkpoint", "new", ())
    assert passages_of(inc, engine.alerts) == ["P1", "P2"]
    alert = engine.alerts[inc.alert_ids[0]]
    assert alert.evidence == ("P1", "watch:W1")
    assert alert.detection_keys == ()  # the entries are not detections
    assert (alert.rule, alert.category, alert.priority) == ("lookout_hit", "checkpoint", 2)
    assert engine.incidents[three].sector == post_places()["dehiba_wazen"].sector

    decide = [
        _action(4, "decide", one, 200, passage="P1", decision="referred"),
        _action(5, "decide", one, 300, passage="P2", decision="cleared"),
    ]
    _feed(engine, decide)
    assert engine.incidents[one].state == "acknowledged"  # P1 referred, still open
    _feed(engine, [_action(6, "decide", one, 400, passage="P1", decision="held")])
    inc = engine.incidents[one]
    assert (inc.state, inc.outcome) == ("resolved", "apprehended")
    assert [n.params["decision"] for n in engine.notes[one]] == ["referred", "cleared", "held"]
    _feed(engine, [_action(7, "decide", three, 500, passage="P3", decision="cleared")])
    assert engine.incidents[three].outcome == "false_alarm"


def test_different_travellers_listed_at_one_post_are_different_incidents() -> None:
    engine = _engine()
    log = [
        _hit(1, "P1", 0, entries="watch/W1@0.93"),
        _hit(2, "P2", 30, entries="watch/W2@0.91"),  # another listed person, same post, lane
        _hit(3, "P3", 60, entries="un/Q7@0.88;watch/W2@0.85"),  # one of them W2 again
        _hit(4, "P4", 90, entries="watch/W1@0.93;watch/W9"),  # cut at 200 characters
        _hit(5, "P5", 100, entries="watch/W2@0.91", post="dehiba_wazen"),  # another post
    ]
    _feed(engine, log)
    p1, p2, p3, p4, p5 = (engine.lookouts[p] for p in ("P1", "P2", "P3", "P4", "P5"))
    assert p1 != p2
    assert p2 == p3
    assert p4 == p1
    assert p5 not in (p1, p2)
    assert passages_of(engine.incidents[p1], engine.alerts) == ["P1", "P4"]
    assert engine.alerts[engine.incidents[p1].alert_ids[1]].evidence == ("P4", "watch:W1")
    # Decided on its own: W2's incident resolved, W1's still open.
    _feed(engine, [_action(6, "decide", p2, 120, passage="P2", decision="cleared")])
    _feed(engine, [_action(7, "decide", p2, 130, passage="P3", decision="cleared")])
    assert engine.incidents[p2].outcome == "false_alarm"
    assert engine.incidents[p1].state == "new"


@pytest.mark.parametrize(
    ("action", "why"),
    [
        (_action(9, "lookout_hit", "P9", 10, post="tozeur", entries="w/W1@1.00"), "post"),
        (_action(9, "lookout_hit", "P9", 10, post="ras_ajdir"), "entries"),
        (_action(9, "decide", "I999999", 10, passage="P1", decision="held"), "no lookout"),
        (_action(9, "decide", "LOOKOUT", 10, passage="P7", decision="held"), "not in incident"),
        (_action(9, "decide", "LOOKOUT", 10, passage="P1", decision="shot"), "decision"),
    ],
    ids=["unknown-post", "no-entries", "unknown-incident", "other-passage", "bad-decision"],
)
def test_what_cannot_be_taken_is_refused_and_counted(action: OperatorAction, why: str) -> None:
    engine = _engine()
    _feed(engine, [_hit(1, "P1", 0)])
    if action.target == "LOOKOUT":
        action = msgspec.structs.replace(action, target=engine.lookouts["P1"])
    with pytest.raises(ActionError, match=why):
        engine.check(action)
    before = dict(engine.incidents)
    engine.take(2, action)
    assert engine.refused_actions == 1
    assert engine.incidents == before


def test_a_rebuild_from_the_log_gives_the_same_incidents() -> None:
    log = [_hit(1, "P1", 0), _hit(2, "P2", 30), _hit(3, "P3", 4000)]
    first = _engine()
    _feed(first, log)
    iid = first.lookouts["P1"]
    log += [
        _action(4, "decide", iid, 60, passage="P1", decision="held"),
        _action(5, "decide", iid, 90, passage="P1", decision="cleared"),  # decided: refused
        _action(6, "decide", iid, 120, passage="P2", decision="cleared"),
    ]
    _feed(first, log[3:])
    again = _engine()
    _feed(again, log)
    assert again.incidents == first.incidents
    assert again.alerts == first.alerts
    assert again.notes == first.notes
    assert again.refused_actions == first.refused_actions == 1
    assert first.incidents[iid].outcome == "apprehended"
