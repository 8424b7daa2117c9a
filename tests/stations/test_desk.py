"""`stations.desk.Desk`, the fold of `DESK`: the operators' work on the fusion workers'
incidents, shown over the workers' own (always `new`) incident."""

from __future__ import annotations

import msgspec
import pytest

from borderwatch.engine import ActionError
from borderwatch.messages import ActionKind, Incident, OperatorAction
from borderwatch.stations.desk import Desk

S = 1_000_000_000
T0 = 1_773_000_000 * S


def _incident(priority: int = 3) -> Incident:
    return Incident(
        id="I-0123456789abcdef",
        sector="N03",
        opened_ns=T0,
        updated_ns=T0,
        lat=33.0,
        lon=11.4,
        priority=priority,
    )


def _action(n: int, kind: ActionKind, why: str = "", **params: str) -> OperatorAction:
    return OperatorAction(
        id=f"A{n:020d}",
        user=f"op{n}",
        agency="national_guard",
        role="operator",
        time_ns=T0 + n * S,
        action=kind,
        target="I-0123456789abcdef",
        why=why,
        params=params,
    )


def test_two_consoles_racing_the_later_is_refused_by_every_reader() -> None:
    inc = _incident()
    a, b = _action(1, "acknowledge"), _action(2, "acknowledge")
    readers = [Desk(3600.0), Desk(3600.0)]
    for k, desk in enumerate(readers):
        # one reader has the workers' incident, the other not yet: the same fold
        shown = inc if k == 0 else None
        assert desk.take(1, a, shown) is True
        assert desk.take(2, b, desk.shown(inc) if shown else None) is False
        assert (desk.taken, desk.refused, desk.outcomes) == (1, 1, {a.id: True, b.id: False})
        assert desk.shown(inc).state == "acknowledged"
    desk = readers[0]
    desk.take(3, _action(3, "assign", patrol="NG-N03-1"), desk.shown(inc))
    desk.take(4, _action(4, "note", "on our way"), desk.shown(inc))
    desk.take(5, _action(5, "resolve", outcome="apprehended"), desk.shown(inc))
    shown = desk.shown(inc)
    assert (shown.state, shown.assigned_patrol, shown.outcome) == (
        "resolved",
        "NG-N03-1",
        "apprehended",
    )
    assert shown.updated_ns == T0 + 5 * S
    assert [n.why for n in desk.notes(inc.id)] == ["on our way"]
    assert [seq for seq, _ in desk.actions(inc.id)] == [1, 3, 4, 5]
    with pytest.raises(ActionError, match="resolved: cannot become acknowledged"):
        desk.check(_action(6, "acknowledge"), shown)


def test_a_shelved_incident_the_workers_raise_comes_back() -> None:
    desk = Desk(3600.0)
    inc = _incident(priority=3)
    until = str(T0 + 1800 * S)
    with pytest.raises(ActionError, match="needs a reason"):
        desk.check(_action(1, "shelve", until_ns=until), inc)
    assert desk.take(1, _action(1, "shelve", "a herd", until_ns=until), inc)
    assert desk.shown(inc).shelved_until_ns == int(until)
    raised = msgspec.structs.replace(inc, priority=1, updated_ns=T0 + 60 * S)
    assert desk.shown(raised).shelved_until_ns is None
    with pytest.raises(ActionError, match="not shelved"):
        desk.check(_action(2, "unshelve"), desk.shown(raised))
