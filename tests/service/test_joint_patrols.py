"""A partner's patrols over its link, against a small server of our own standing for the
partner's TAK server (the real one, FreeTAKServer, is in tests/api/test_tak_federation.py):
its clients' self-reports come in as the partner's patrols, whatever the events claim, and go
to admission as the link's source, which lets them speak only for the partner's own patrols;
the partner's sensors, other events and our own events relayed back are refused or counted;
a patrol reporting too often, too many patrols, an oversized event and a run of bad ones are
bounded and counted like a device's connection."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from borderwatch.ingest.base import Inbound, RejectedError
from borderwatch.ingest.identity import IDENTITY_MISMATCH, IdentityPolicy, Speakers
from borderwatch.messages import Detection, Patrol
from borderwatch.service.federation import FederationLink
from tests.api.takclient import cot
from tests.service.test_federation import Server, _hub, _link, _until, serving

_S = 1_000_000_000
T = 1_780_000_000 * _S


class Gate:
    """Admission as far as identity goes: the service's `Speakers`, with this link."""

    def __init__(self) -> None:
        self.speakers = Speakers(IdentityPolicy(), {}, links={"ly-tak": "partner:ly"})
        self.taken: list[tuple[str, Inbound]] = []

    async def accept(self, messages: Sequence[Inbound], source: str) -> None:
        for m in messages:
            self.speakers.check(m, "$", source)
        self.taken += [(source, m) for m in messages]


def _report(uid: str, callsign: str, t: int, extra: str = "") -> bytes:
    detail = f'<contact callsign="{callsign}" endpoint="*:-1:stcp"/>{extra}'
    return cot("a-f-G-U-C", uid, t, 32.9, 11.5, detail)


class Talker(Server):
    """A partner's server that sends `script` to each connection, then keeps it open."""

    def __init__(self, script: bytes) -> None:
        super().__init__()
        self.script = script

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.append(writer)
        writer.write(self.script)
        with contextlib.suppress(OSError):
            while await reader.read(65536):
                pass


def _run(tmp_path: Path, script: bytes, until: Any, **kw: Any) -> tuple[FederationLink, Gate]:
    hub = _hub(tmp_path, [])
    gate = Gate()
    hub.service.admission = gate

    async def main() -> FederationLink:
        server = Talker(script)
        async with serving(server) as port:
            link = FederationLink(hub, "ly-tak", _link(port, **kw), tmp_path)
            task = asyncio.create_task(link.run())
            await _until(lambda: until(link))
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            return link

    return asyncio.run(main()), gate


def test_the_partners_patrols_come_in_as_its_own_and_nothing_else_does(tmp_path: Path) -> None:
    claim = '<_borderwatch_ agency="national_guard" status="available" seq="3"/>'
    detection = (
        f'<_borderwatch_ sensor_id="N03-U1" kind="ugs" seq="1" time_ns="{T}" cov_m2="100 0 100"/>'
    )
    script = b"".join([
        _report("ANDROID-1", "LY-P1", T),
        _report("ANDROID-2", "NG-N03-1", T, claim),  # says it is ours, of our agency
        _report("ANDROID-1", "LY-P1", T + _S // 2),  # too soon after the first
        _report("ANDROID-1", "LY-P1", T + 2 * _S),
        _report("ANDROID-3", "LY-P3", T),  # a third patrol: over max_patrols
        cot("b-d-r", "LY-R1.1", T, 32.9, 11.5, detection),  # a partner's sensor: not ours
        cot("a-h-G", "LY-MARKER", T, 32.9, 11.5),  # another client's marker: not for us
        cot("b-m-p-s-m", "borderwatch.incident.I1", T, 32.9, 11.5),  # ours, relayed back
    ])  # fmt: skip
    link, gate = _run(
        tmp_path, script, lambda link: sum(link.joint.unused.values()) >= 2, max_patrols=2
    )
    taken = [m for _, m in gate.taken]
    assert all(source == "federation:ly-tak" for source, _ in gate.taken)
    assert [(p.callsign, p.agency) for p in taken if isinstance(p, Patrol)] == [
        ("ly/LY-P1", "partner:ly"),
        ("ly/NG-N03-1", "partner:ly"),  # Libya's, in Libya's namespace: never our NG-N03-1
        ("ly/LY-P1", "partner:ly"),
    ]
    state = link.snapshot()
    assert state.patrols_taken == 3
    assert state.refused == {"too_frequent": 1, "too_many_patrols": 1, "not_a_patrol": 1}
    assert state.unused == {"a-h-G": 1, "ours": 1}
    assert link.joint.uids == {"ly/LY-P1": "ANDROID-1", "ly/NG-N03-1": "ANDROID-2"}
    assert state.state == "connected"


def test_identity_lets_a_link_speak_only_for_its_partners_patrols() -> None:
    speakers = Speakers(IdentityPolicy(), {}, links={"ly-tak": "partner:ly"})
    mine = Patrol(callsign="ly/LY-P1", agency="partner:ly", time_ns=T, lat=32.9, lon=11.5)
    speakers.check(mine, "$", "federation:ly-tak")
    attacks: list[Inbound] = [
        Patrol(callsign="NG-N03-1", agency="partner:ly", time_ns=T, lat=32.9, lon=11.5),
        Patrol(callsign="ly/LY-P1", agency="national_guard", time_ns=T, lat=32.9, lon=11.5),
        Patrol(callsign="dz/DZ-P1", agency="partner:dz", time_ns=T, lat=32.9, lon=11.5),
        Detection(
            sensor_id="N03-U1",
            kind="ugs",
            seq=1,
            time_ns=T,
            lat=32.9,
            lon=11.5,
            cov_m2=(100.0, 0.0, 100.0),
        ),
    ]
    for m in attacks:
        with pytest.raises(RejectedError) as refused:
            speakers.check(m, "$", "federation:ly-tak")
        assert refused.value.code == IDENTITY_MISMATCH
    with pytest.raises(RejectedError):  # a link the service does not have
        speakers.check(mine, "$", "federation:other")
    assert speakers.refused[("federation:ly-tak", IDENTITY_MISMATCH)] == 4


@pytest.mark.parametrize(
    ("script", "reason", "kw"),
    [
        (b"<event>" + b"x" * 5000, "oversized", {"max_message_bytes": 2048}),
        (b"<event>bad</event>" * 5, "abusive", {"max_consecutive_bad": 5}),
    ],
    ids=["oversized", "abusive"],
)
def test_an_oversized_event_or_a_run_of_bad_ones_ends_the_connection(
    tmp_path: Path, script: bytes, reason: str, kw: dict[str, Any]
) -> None:
    link, gate = _run(tmp_path, script, lambda link: link.counts.failures[reason] >= 1, **kw)
    assert gate.taken == []
    assert link.counts.failures[reason] >= 1
