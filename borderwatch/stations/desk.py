"""The operations room's desk in the distributed mode: the operators' work on the fusion
workers' incidents.

With fusion workers running, the incidents the console shows are the workers' (`PICTURE`,
named `I-<16 hex>` by the alert that opened them, `stations.handover`): the operator works
those ids, and no other. The workers make an incident and add alerts to it; they never hear
an operator, so every incident in `PICTURE` is `new`. What the operators did to it
(acknowledge, assign, resolve, note, release, shelve, unshelve) is a stream of its own on
the room's cluster, `DESK` (`bw.desk`, 3 replicas, an `OperatorAction` a message,
`Nats-Msg-Id` the action's id), the one record of it: `Desk` folds it, in stream order, and
`Desk.shown(incident)` is the workers' incident with that work on it, the only way the
console (REST, WebSocket) sees an incident in this mode. Two consoles racing for one
incident: both actions are in `DESK`, the fold takes the first and refuses the later one
(counted, `Desk.refused`), the same answer on every reader.

The lifecycle is DESIGN §4's (`messages.incident.NEXT_STATES`), the checks the engine's
own (`engine.check_incident_action`, one function for both). An incident the workers
raise to a higher priority while shelved comes back, as the engine's incident book does.

A resolved incident takes no more alerts in the engine: a new one opens a new incident.
The workers never hear the desk, so they go on adding alerts to an incident the desk has
resolved, where no operator would look. So a resolve records how many alerts the incident
had when the operator closed it (`params.alerts`, put by the room console), and when the
workers' incident has more, the console puts a `reopen` in `DESK` (by the system, the new
alert named, `Nats-Msg-Id` the same from every console: `reopen_action`), which the fold
takes only for the resolution it names: the incident is `new` again, unassigned, back in
the queue. Whether it reopens depends on `DESK` and the workers' incident alone, never on
how far a reader has read either stream.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import msgspec
from nats.js.api import StorageType, StreamConfig

from borderwatch.engine import ActionError, check_incident_action
from borderwatch.messages import Alert, Incident, OperatorAction
from borderwatch.messages.incident import IncidentState, Outcome

__all__ = ["DESK_STREAM", "DESK_SUBJECT", "Desk", "Work", "desk_config", "reopen_action"]

DESK_STREAM = "DESK"
DESK_SUBJECT = "bw.desk"
STEPS = frozenset({"acknowledge", "assign", "resolve", "note", "release", "shelve", "unshelve"})
_STATE: dict[str, IncidentState] = {
    "acknowledge": "acknowledged",
    "assign": "assigned",
    "resolve": "resolved",
}


def desk_config(replicas: int) -> StreamConfig:
    """`DESK` on the room's cluster: every action kept, on disk, `replicas` copies."""
    return StreamConfig(
        name=DESK_STREAM,
        subjects=[DESK_SUBJECT],
        storage=StorageType.FILE,
        num_replicas=replicas,
        duplicate_window=3600.0,
    )


@dataclass(slots=True)
class Work:
    """What the operators did to one incident, folded."""

    state: IncidentState = "new"
    patrol: str | None = None
    outcome: Outcome | None = None
    releasable_to: tuple[str, ...] = ()
    shelved_until_ns: int | None = None
    shelved_reason: str = ""
    shelved_by: str | None = None
    shelved_priority: int = 0  # the incident's priority when shelved
    # How many alerts the incident had when resolved (None: not resolved, or not said)
    resolved_with: int | None = None
    updated_ns: int = 0
    actions: list[tuple[int, OperatorAction]] = field(default_factory=list)  # (DESK seq, ...)


class Desk:
    """`DESK`'s actions folded per incident, in stream order."""

    def __init__(self, shelve_max_s: float) -> None:
        self.shelve_max_s = shelve_max_s
        self.work: dict[str, Work] = {}
        self.last_seq = 0  # the DESK seq of the last action taken
        self.taken = 0
        self.refused = 0  # a later action of a race, or one the fold cannot take
        self.stale_reopens = 0  # a reopen of a resolution already reopened or replaced
        self.outcomes: dict[str, bool] = {}  # action id -> taken (for the one who sent it)

    def check(self, action: OperatorAction, incident: Incident | None) -> None:
        """Raise `ActionError` if `action` cannot be taken on `incident` (the workers', as
        shown) now."""
        if action.action not in STEPS:
            raise ActionError(f"{action.action} is not an action on an incident")
        if incident is None:
            raise ActionError(f"no incident {action.target}")
        check_incident_action(action, incident, self.shelve_max_s)

    def take(self, seq: int, action: OperatorAction, incident: Incident | None) -> bool:
        """One action of `DESK` (its stream seq), on `incident` as shown before it (None:
        not in this reader's picture yet: checked on the desk's work alone); False if
        refused."""
        self.last_seq = max(self.last_seq, seq)
        target = action.target or ""
        work = self.work.get(target)
        shown = incident if incident is not None else _bare(target, work)
        if action.action == "reopen":
            # The system's, not an operator's: only for the resolution it names (another
            # console's copy, or one made before the operators resolved it again, is stale).
            if (
                work is None
                or work.state != "resolved"
                or (action.params.get("after") != str(work.resolved_with))
            ):
                self.stale_reopens += 1
                self.outcomes[action.id] = False
                return False
        else:
            try:
                self.check(action, shown)
            except ActionError:
                self.refused += 1
                self.outcomes[action.id] = False
                return False
        work = self.work.setdefault(target, Work())
        _apply(work, action, shown.priority)
        work.actions.append((seq, action))
        self.taken += 1
        self.outcomes[action.id] = True
        return True

    def shown(self, incident: Incident) -> Incident:
        """The workers' incident with the operators' work on it."""
        work = self.work.get(incident.id)
        if work is None:
            return incident
        shelved = work.shelved_until_ns is not None and not (
            incident.priority < work.shelved_priority  # raised since: back in its queue
        )
        return msgspec.structs.replace(
            incident,
            state=work.state,
            assigned_patrol=work.patrol,
            outcome=work.outcome,
            releasable_to=tuple(dict.fromkeys((*incident.releasable_to, *work.releasable_to))),
            shelved_until_ns=work.shelved_until_ns if shelved else None,
            shelved_reason=work.shelved_reason if shelved else "",
            shelved_by=work.shelved_by if shelved else None,
            updated_ns=max(incident.updated_ns, work.updated_ns),
        )

    def notes(self, incident_id: str) -> list[OperatorAction]:
        """The notes on an incident, oldest first."""
        return [a for _, a in self.actions(incident_id) if a.action == "note"]

    def actions(self, incident_id: str) -> list[tuple[int, OperatorAction]]:
        """(DESK seq, action) of every action taken on an incident, oldest first."""
        work = self.work.get(incident_id)
        return [] if work is None else list(work.actions)


def _bare(target: str, work: Work | None) -> Incident:
    """An incident the picture has not shown yet (a console reading `DESK` before
    `PICTURE`), known only by the desk's work on it: the fold never depends on which of the
    two streams a reader has read further."""
    work = work or Work()
    return Incident(
        id=target,
        sector="-",
        opened_ns=0,
        updated_ns=work.updated_ns,
        lat=0.0,
        lon=0.0,
        state=work.state,
        assigned_patrol=work.patrol,
        outcome=work.outcome,
        shelved_until_ns=work.shelved_until_ns,
        priority=work.shelved_priority or 3,
    )


def _apply(work: Work, action: OperatorAction, priority: int) -> None:
    kind = action.action
    if kind == "note":
        return  # a note changes nothing of the incident (as the engine's)
    work.updated_ns = max(work.updated_ns, action.time_ns)
    if kind == "release":
        agency = action.params["agency"]
        if agency not in work.releasable_to:
            work.releasable_to = (*work.releasable_to, agency)
    elif kind == "shelve":
        work.shelved_until_ns = int(action.params["until_ns"])
        work.shelved_reason, work.shelved_by = action.why, action.user
        work.shelved_priority = priority
    elif kind == "unshelve":
        work.shelved_until_ns, work.shelved_reason, work.shelved_by = None, "", None
    elif kind == "reopen":  # as a new incident would be: new, nobody on it
        work.state, work.patrol, work.outcome, work.resolved_with = "new", None, None, None
        work.shelved_until_ns, work.shelved_reason, work.shelved_by = None, "", None
    else:
        work.state = _STATE[kind]
        if kind == "assign":
            work.patrol = action.params["patrol"]
        if kind == "resolve":
            work.outcome = msgspec.convert(action.params["outcome"], Outcome)
            alerts = action.params.get("alerts", "")
            work.resolved_with = int(alerts) if alerts.isdigit() else None


def reopen_action(
    incident: Incident, work: Work | None, alerts: Mapping[str, Alert]
) -> OperatorAction | None:
    """The `reopen` to put in `DESK` if the workers' `incident` has taken an alert since the
    desk resolved it (`alerts`: the workers' alerts known, for that one's time), else None.
    The same action, id included, from every console: `DESK` keeps one (its duplicate
    window), the fold takes one."""
    if work is None or work.state != "resolved" or work.resolved_with is None:
        return None
    after = work.resolved_with
    if len(incident.alert_ids) <= after:
        return None
    alert = incident.alert_ids[after]
    known = alerts.get(alert)
    return OperatorAction(
        id=f"reopen.{incident.id}.{after}",
        user="system",
        agency="system",
        role="system",
        time_ns=known.time_ns if known is not None else incident.updated_ns,
        action="reopen",
        target=incident.id,
        why=f"alert {alert} came after the incident was resolved",
        params={"after": str(after), "alert": alert[:200]},
    )
