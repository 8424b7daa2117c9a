"""OperatorAction: who did what, when and why. The audit trail is a log of these."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from borderwatch.messages.common import Id, TimeNs

__all__ = ["ActionKind", "OperatorAction"]

ActionKind = Literal[
    "acknowledge",
    "assign",
    "resolve",
    "note",
    "release",
    "login",
    "logout",
    "quarantine_release",
    "login_failed",
    "ingest_refused",  # by the system: a source spoke for what it may not (ingest.identity)
    "shelve",
    "unshelve",
    "emergency",  # by a patrol's device, logged for it by the TAK hub (rules.emergency)
    "chat",  # a device's GeoChat that moved no incident, logged for it by the TAK hub
    "view",  # a read the law wants on record: a governance report opened, the trail by oversight
    # Checkpoints (ops.checkpoints): a passage screened with a hit at a post (target: the
    # passage id; params: post, lane, entries), and the second-line decision on it (target:
    # the incident; params: passage, decision = cleared | referred | held).
    "lookout_hit",
    "decide",
    # By the system, in the distributed mode only (stations.desk): an incident the room's
    # desk had resolved took a new alert from the fusion workers, which never hear the desk,
    # so it is the desk that opens it again (params: after = the alerts it was resolved
    # with, alert = the first one since).
    "reopen",
]
Text = Annotated[str, msgspec.Meta(max_length=2000)]


class OperatorAction(msgspec.Struct, frozen=True, kw_only=True, tag="action", omit_defaults=True):
    """One operator action, attributable: `user` and their `agency` and `role` at the time."""

    id: Id
    user: Id
    agency: Id
    role: Id
    time_ns: TimeNs
    action: ActionKind
    target: Id | None = None
    why: Text = ""
    params: dict[Id, Annotated[str, msgspec.Meta(max_length=200)]] = {}
