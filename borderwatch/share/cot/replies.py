"""What a patrol's device says, as what it means for the picture, pure: a chat from the
patrol sent to an incident becomes that incident's note or, if it says so, its resolution;
an emergency becomes an `emergency` action, which the engine raises as a P1 alert at the
patrol's position (`rules.emergency`); any other chat of an authenticated device is logged as
a `chat` action (the chat log: in the event log and the audit trail, changing nothing).

The patrol is who the connection's identity says it is (`callsign`, `agency`: from its
device certificate, issue 15), never the name typed in the chat. Replies are recognised by
a few fixed words, as radio procedure would have them:

    "on scene" / "arrived"                 a note "on scene"
    "resolved <outcome>" / "<outcome>"     resolve: apprehended, turned back, got away,
                                           nuisance, false alarm
    anything else                          a note with the text

The actions are attributed to the patrol (role `patrol`) and take their ids from the chat's,
so a chat delivered twice is the same action twice (the engine refuses the repeat).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from borderwatch.messages import ActionKind, Incident, OperatorAction, Outcome
from borderwatch.messages.device import ChatMessage, Emergency

__all__ = ["OUTCOME_WORDS", "chat_action", "emergency_action", "reply_action"]

OUTCOME_WORDS: dict[str, Outcome] = {
    "apprehended": "apprehended",
    "arrested": "apprehended",
    "turned back": "turned_back",
    "got away": "got_away",
    "escaped": "got_away",
    "nuisance": "nuisance",
    "false alarm": "false_alarm",
}
_ON_SCENE = re.compile(r"^\s*(on scene|arrived)\b", re.IGNORECASE)
_RESOLVED = re.compile(
    r"^\s*(?:resolved[\s:,-]*)?(" + "|".join(OUTCOME_WORDS) + r")\b", re.IGNORECASE
)
_UNSAFE = re.compile(r"[^A-Za-z0-9_.:\-]")


def _id(prefix: str, *parts: str) -> str:
    """An action or alert id from its source's ids, within the wire `Id` (64 characters)."""
    return (prefix + "-" + "-".join(_UNSAFE.sub("_", p) for p in parts))[:64]


def _assigned(incidents: Iterable[Incident], callsign: str) -> Incident | None:
    mine = [i for i in incidents if i.assigned_patrol == callsign and i.state == "assigned"]
    return max(mine, key=lambda i: (i.updated_ns, i.id), default=None)


def reply_action(
    chat: ChatMessage, *, callsign: str, agency: str, incidents: Iterable[Incident]
) -> OperatorAction | None:
    """The action a patrol's chat takes on the incident it is assigned to (the latest, if
    several), or None if it is assigned to none (the chat then goes to the sector's log)."""
    incident = _assigned(incidents, callsign)
    if incident is None:
        return None
    text = chat.text.strip()
    resolved = _RESOLVED.match(text)
    params: dict[str, str] = {}
    action: ActionKind = "note"
    why = "on scene" if _ON_SCENE.match(text) else text
    if resolved is not None:
        action, why = "resolve", text
        params["outcome"] = OUTCOME_WORDS[resolved.group(1).lower()]
    return OperatorAction(
        id=_id("chat", chat.device, chat.id),
        user=callsign,
        agency=agency,
        role="patrol",
        time_ns=chat.time_ns,
        action=action,
        target=incident.id,
        why=why,
        params=params,
    )


def emergency_action(emergency: Emergency, *, callsign: str, agency: str) -> OperatorAction:
    """The `emergency` action a patrol's device raises (or cancels) its emergency by, taken
    by the engine into a P1 alert at the patrol's position (`rules.emergency`). Its id is
    the device's and the alarm's time, so an alarm delivered twice is one action."""
    params = {
        "lat": repr(emergency.lat),
        "lon": repr(emergency.lon),
        "kind": emergency.kind[:200],
        "device": emergency.device,
    }
    if emergency.cancel:
        params["cancel"] = "1"
    return OperatorAction(
        id=_id("EMG", emergency.device, str(emergency.time_ns // 1_000_000)),
        user=callsign,
        agency=agency,
        role="patrol",
        time_ns=emergency.time_ns,
        action="emergency",
        why=f"{emergency.kind}{' cancelled' if emergency.cancel else ''}"[:2000],
        params=params,
    )


def chat_action(chat: ChatMessage, *, callsign: str, agency: str) -> OperatorAction:
    """The `chat` action a device's chat that moved no incident is logged as, attributed to
    the device (its certificate's callsign): the text, the room, whom it was addressed to.
    Its id is the chat's, as a reply's would be, so a chat delivered twice is one id."""
    params = {"chatroom": chat.chatroom[:200], "device": chat.device}
    if chat.to:
        params["to"] = ",".join(chat.to)[:200]
    if chat.lat is not None and chat.lon is not None:
        params["lat"], params["lon"] = repr(chat.lat), repr(chat.lon)
    return OperatorAction(
        id=_id("chat", chat.device, chat.id),
        user=callsign,
        agency=agency,
        role="patrol",
        time_ns=chat.time_ns,
        action="chat",
        why=chat.text[:2000],
        params=params,
    )
