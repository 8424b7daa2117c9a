"""`stations.desk.Desk`, the fold of `DESK`: the operators' work on the fusion workers'
incidents, shown over the workers' own (always `new`) incident."""

from __future__ import annotations

import msgspec
import pytest

from borderwatch.engine import ActionError
from borderwatch.messages import ActionKind, Alert, Incident, OperatorAction
from borderwatch.stations.desk import Desk, reopen_action

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


def test_an_alert_after_the_desk_resolved_an_incident_reopens_it_once() -> None:
    # The workers never hear the desk: they add an alert to an incident the operators had
    # resolved. The console puts a `reopen` in DESK; every reader folds it the same way,
    # and a copy of it (another console's, or one for a resolution since replaced) is stale.
    inc = msgspec.structs.replace(_incident(), alert_ids=("A-1", "A-2"))
    steps = [
        _action(1, "acknowledge"),
        _action(2, "assign", patrol="NG-N03-1"),
        _action(3, "resolve", outcome="nuisance", alerts="2"),
    ]
    desk = Desk(3600.0)
    for seq, step in enumerate(steps, 1):
        assert desk.take(seq, step, desk.shown(inc))
    assert reopen_action(inc, desk.work[inc.id], {}) is None  # nothing since
    later = msgspec.structs.replace(inc, alert_ids=("A-1", "A-2", "A-3"), updated_ns=T0 + 9 * S)
    alert = Alert(
        id="A-3", rule="crossing", time_ns=T0 + 8 * S, priority=1, sector="N03", lat=33.0, lon=11.4
    )
    reopen = reopen_action(later, desk.work[inc.id], {"A-3": alert})
    assert reopen is not None
    assert (reopen.id, reopen.user, reopen.action, reopen.time_ns, reopen.params) == (
        f"reopen.{inc.id}.2",
        "system",
        "reopen",
        T0 + 8 * S,
        {"after": "2", "alert": "A-3"},
    )
    readers = [desk, Desk(3600.0)]
    for seq, step in enumerate(steps, 1):  # this reader has not read PICTURE yet
        assert readers[1].take(seq, step, None)
    for reader in readers:
        assert reader.take(4, reopen, None) is True
        shown = reader.shown(later)
        assert (shown.state, shown.assigned_patrol, shown.outcome) == ("new", None, None)
        assert reader.take(5, reopen, None) is False  # stale: already reopened
        assert (reader.stale_reopens, reader.refused) == (1, 0)
    # operators may not send it; and resolved again (with three alerts), the old one is stale
    with pytest.raises(ActionError, match="not an action on an incident"):
        desk.check(_action(6, "reopen", after="2"), desk.shown(later))
    desk.take(6, _action(6, "resolve", outcome="apprehended", alerts="3"), desk.shown(later))
    assert desk.take(7, reopen, None) is False
    assert desk.shown(later).state == "resolved"
    assert reopen_action(later, desk.work[inc.id], {}) is None


def test_a_resolve_that_does_not_say_its_alerts_is_never_reopened() -> None:
    inc = msgspec.structs.replace(_incident(), alert_ids=("A-1",))
    desk = Desk(3600.0)
    desk.take(1, _action(1, "resolve", outcome="nuisance"), inc)
    more = msgspec.structs.replace(inc, alert_ids=("A-1", "A-2"))
    assert reopen_action(more, desk.work[inc.id], {}) is None
