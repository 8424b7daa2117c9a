"""A partner's picture as CoT: what its policy releases (through the one decision,
`Exchange.decide`), recorded, then encoded, each event stamped with its handling.

This is the CoT exit to a partner (its TAK server, over the federation link that waits for
issue 15's identities): the same decision and ledger as the API's exits. Each event says
how it may be handled, where a TAK server and ATAK keep it:

- `access` (carried by XML and TAK protocol v1 alike): `REL TO <partner>`, `NO ONWARD
  RELEASE` unless the policy allows it, and `RETAIN UNTIL <time>`; only the recipient is
  named, never who else was given the item;
- `caveat` and `releasableTo` (CoT 2.0 event attributes, XML only), the same (left out on
  the link to a partner's TAK server, `service.federation`: FreeTAKServer drops events that
  carry them);
- `ce` of a coarsened position: the 1-sigma circular error of a point anywhere in its grid
  cell (side p: p / sqrt(6)), so the receiver's map shows the uncertainty the policy made.

A sector's status has no place of its own and no CoT form here: partners get it through the
event feed (`GET /api/v1/exchange/events`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from borderwatch.ingest.cot._text import attr, format_time
from borderwatch.messages import Alert, Incident, Track
from borderwatch.share.cot.encode import alert_xml, incident_xml, track_xml
from borderwatch.share.exchange import Exchange
from borderwatch.share.releasability import Item, Released

__all__ = ["handling", "partner_cot", "partner_events", "stamp"]

_EVENT = re.compile(rb"^<event version=\"2\.0\" ")
_CE = re.compile(rb'(<point [^>]*?ce=")[^"]*(")')


def handling(r: Released) -> str:
    """The handling line of a released item: who may have it, whether it may go on, until
    when it may be kept."""
    parts = [f"REL TO {r.partner}"]
    if not r.onward_release:
        parts.append("NO ONWARD RELEASE")
    parts.append(f"RETAIN UNTIL {format_time(r.retain_until_ns)}")
    return "; ".join(parts)


def _encoded(r: Released, extended: bool = True) -> bytes | None:
    item = r.item
    if isinstance(item, Track):
        xml = track_xml(item)
    elif isinstance(item, Alert):
        xml = alert_xml(item)
    elif isinstance(item, Incident):
        xml = incident_xml(item)
    else:
        return None  # a sector's status: through the event feed
    return stamp(xml, r, extended)


def stamp(xml: bytes, r: Released, extended: bool = True) -> bytes:
    """`xml` (an event about the released item, or said of it) stamped with `r`'s handling,
    and the coarsened position's circular error if it has a point."""
    line = attr(handling(r))
    stamped = f'<event version="2.0" access="{line}" '
    if extended:
        stamped += f'caveat="{line}" releasableTo="{attr(r.partner)}" '
    xml = _EVENT.sub(stamped.encode(), xml, count=1)
    ce = repr(r.precision_m / math.sqrt(6.0)).encode()
    return _CE.sub(rb"\g<1>" + ce + rb"\g<2>", xml, count=1)


def partner_events(
    exchange: Exchange,
    partner: str,
    items: Iterable[Item],
    now_ns: int,
    *,
    user: str,
    limit: int | None = None,
    extended: bool = True,
) -> list[tuple[Released, bytes]]:
    """What `partner` may have of `items` now, each with its CoT XML event; recorded in the
    ledger (exit `cot`, as `user`: the link's identity) before they are returned to be sent.
    At most `limit` of them (a bounded outbox's room): the rest are neither recorded nor
    returned, and are decided again next time. `extended=False` leaves out the CoT 2.0
    attributes `caveat` and `releasableTo` (the handling stays in `access`): FreeTAKServer
    2.2.1 drops an event that has them. Blocking (the ledger's write): call it off the event
    loop."""
    released = [
        (r, xml)
        for r in exchange.decide(partner, items, now_ns)
        if (xml := _encoded(r, extended)) is not None
    ]
    if limit is not None:
        released = released[: max(0, limit)]
    exchange.record([r for r, _ in released], user, "cot")
    return released


def partner_cot(
    exchange: Exchange, partner: str, items: Iterable[Item], now_ns: int, *, user: str
) -> list[bytes]:
    """CoT XML events of what `partner` may have of `items` now (`partner_events`)."""
    return [xml for _, xml in partner_events(exchange, partner, items, now_ns, user=user)]
