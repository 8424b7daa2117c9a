"""The picture one national TAK client is cleared for and asked for, as CoT events, pure.

A client's clearance is its agency's and role's, decided by the same rule as the API's
(`visible`: the caller passes `borderwatch.api.visibility.sees` bound to the device's
claims, so the rule stays in one place); what it asked for is its `ClientFilter`: sectors,
a box, kinds. A partner's device is never served here: everything to a partner goes through
its releasability policy (`partner_cot`), and asking for it here is an error.

The live loop that calls this per snapshot, on each client's connection with a bounded
queue, waits for the listeners' device identities (issue 15).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated, Literal

import msgspec

from borderwatch.accounts import is_partner_agency
from borderwatch.messages import Alert, Incident, Patrol, Track
from borderwatch.messages.common import Id, Lat, Lon
from borderwatch.share.cot.encode import alert_xml, incident_xml, patrol_xml, track_xml

__all__ = ["ClientFilter", "PictureItem", "client_events"]

PictureItem = Track | Alert | Incident | Patrol
Kind = Literal["tracks", "alerts", "incidents", "patrols"]
_KIND: dict[type, Kind] = {
    Track: "tracks",
    Alert: "alerts",
    Incident: "incidents",
    Patrol: "patrols",
}


class ClientFilter(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What a TAK client asked for: only these sectors (none: all), only inside this box
    (south, west, north, east; none: anywhere), only these kinds."""

    sectors: tuple[Id, ...] = ()
    bbox: tuple[Lat, Lon, Lat, Lon] | None = None
    kinds: Annotated[tuple[Kind, ...], msgspec.Meta(min_length=1)] = (
        "tracks",
        "alerts",
        "incidents",
        "patrols",
    )

    def __post_init__(self) -> None:
        if self.bbox is not None and not (
            self.bbox[0] <= self.bbox[2] and self.bbox[1] <= self.bbox[3]
        ):
            raise ValueError("`bbox`: (south, west, north, east), south <= north, west <= east")

    def wants(self, item: PictureItem) -> bool:
        """True if the client asked for `item`."""
        if _KIND[type(item)] not in self.kinds:
            return False
        sector = None if isinstance(item, Patrol) else item.sector
        if self.sectors and sector not in self.sectors:
            return False  # a patrol has no sector: a sector filter leaves patrols out
        if self.bbox is not None:
            s, w, n, e = self.bbox
            return s <= item.lat <= n and w <= item.lon <= e
        return True


def _xml(item: PictureItem) -> bytes:
    if isinstance(item, Track):
        return track_xml(item)
    if isinstance(item, Alert):
        return alert_xml(item)
    if isinstance(item, Incident):
        return incident_xml(item)
    return patrol_xml(item)


def client_events(
    items: Iterable[PictureItem],
    *,
    agency: str,
    visible: Callable[[PictureItem], bool],
    wanted: ClientFilter,
) -> list[bytes]:
    """CoT XML events of the `items` a client of `agency` may see (`visible`) and asked for
    (`wanted`), in order. `ValueError` for a partner agency (served by `partner_cot`)."""
    if is_partner_agency(agency):
        raise ValueError(f"{agency} is a partner: its devices are served through its policy")
    return [_xml(i) for i in items if wanted.wants(i) and visible(i)]
