"""Every identity may speak only for itself (issue 15): attacks through the real listeners
and the real API. On the code before ingest.identity, each spoof here was logged."""

from __future__ import annotations

import socket
from pathlib import Path

import msgspec
import pytest

from borderwatch import pki
from borderwatch.errors import ConfigError
from borderwatch.ingest.identity import Grant, IdentityPolicy, PlainPolicy, load_policy
from borderwatch.messages import OperatorAction, Patrol
from tests.security.stack import (
    GATEWAY_CERT,
    OTHER_RADAR,
    PATROL,
    RADAR,
    SECTOR,
    Stack,
    detection,
    patrol,
    run,
    running,
    tamper,
    xml,
)


def _count(stack: Stack, adapter: str) -> int:
    snap = stack.service.stats.snapshot()
    return int(snap["accepted"].get(adapter, 0)) + sum(stack.rejected(adapter).values())


async def _spoof_tcp(stack: Stack, messages: list[bytes], tls_name: str | None = None) -> None:
    adapter = "cot.tcp" if tls_name is None else "cot.tls"
    before = _count(stack, adapter)
    await stack.send_tcp(messages, tls_name)
    await stack.settle(lambda: _count(stack, adapter) >= before + len(messages))


def test_plain_port_refuses_a_spoofed_sensor_and_its_tamper_report(
    tmp_path: Path, pki_dir: Path
) -> None:
    async def attack() -> None:
        async with running(tmp_path, pki_dir) as stack:
            await _spoof_tcp(stack, xml(detection(1), tamper(2)))
            assert stack.rejected("cot.tcp") == {"unlisted_sensor": 2}
            assert stack.logged == 0
            refused = stack.service.admission.speakers.refused
            assert refused["tcp:127.0.0.1", "unlisted_sensor"] == 2
            # And audited: one action for the source and code, with the count.
            assert await stack.service.flush_refusals() == 1
            (audited,) = [e.message for e in stack.service.log.audit()]
            assert isinstance(audited, OperatorAction)
            assert audited.action == "ingest_refused"
            assert audited.params["source"] == "tcp:127.0.0.1"
            assert (audited.params["code"], audited.params["count"]) == ("unlisted_sensor", "2")

    run(attack())


def test_plain_port_carries_listed_legacy_sensors_only(tmp_path: Path, pki_dir: Path) -> None:
    policy = IdentityPolicy(plain=PlainPolicy(sensors=frozenset({OTHER_RADAR})))

    async def attack() -> None:
        async with running(tmp_path, pki_dir, identity=policy) as stack:
            await _spoof_tcp(stack, xml(detection(1, OTHER_RADAR), detection(2, RADAR)))
            assert stack.rejected("cot.tcp") == {"unlisted_sensor": 1}
            assert stack.logged == 1

    run(attack())


def test_a_spoofed_patrol_on_the_plain_ports_never_reaches_the_picture(
    tmp_path: Path, pki_dir: Path
) -> None:
    # Even with every sensor listed for the plain ports, a patrol's word needs its certificate:
    # a patrol's position makes the tracks near it friendly (no alert).
    policy = IdentityPolicy(plain=PlainPolicy(sensors=frozenset({"*"})))

    async def attack() -> None:
        async with running(tmp_path, pki_dir, identity=policy) as stack:
            await _spoof_tcp(stack, xml(patrol(1), patrol(2)))
            assert stack.rejected("cot.tcp") == {"unauthenticated": 2}
            udp = stack.server.udp_port
            assert udp is not None
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.sendto(xml(patrol(3))[0], ("127.0.0.1", udp))
            await stack.settle(lambda: stack.rejected("cot.udp") == {"unauthenticated": 1})
            assert stack.logged == 0
            assert PATROL not in stack.service.engine.patrols

    run(attack())


def test_the_patrols_own_certificate_may_report_it_and_nothing_else(
    tmp_path: Path, pki_dir: Path
) -> None:
    async def attack() -> None:
        async with running(tmp_path, pki_dir) as stack:
            await _spoof_tcp(stack, xml(patrol(1)), tls_name=PATROL)
            assert stack.logged == 1
            # The same phone as another patrol, and as a radar.
            await _spoof_tcp(stack, xml(patrol(2, "NG-N03-2"), detection(3)), tls_name=PATROL)
            assert stack.rejected("cot.tls") == {"identity_mismatch": 2}
            # A radar's certificate as a patrol, and as the other radar.
            await _spoof_tcp(stack, xml(patrol(4), tamper(5, OTHER_RADAR)), tls_name=RADAR)
            assert stack.rejected("cot.tls") == {"identity_mismatch": 4}
            assert stack.logged == 1
            await stack.service.engine.processed(1)
            assert set(stack.service.engine.patrols) == {PATROL}

    run(attack())


def test_a_gateway_certificate_speaks_for_its_sectors_only(tmp_path: Path, pki_dir: Path) -> None:
    policy = IdentityPolicy(grants={GATEWAY_CERT: Grant(sectors=frozenset({SECTOR}))})

    async def attack() -> None:
        async with running(tmp_path, pki_dir, identity=policy) as stack:
            await _spoof_tcp(stack, xml(detection(1), tamper(2, OTHER_RADAR)), GATEWAY_CERT)
            assert stack.logged == 2
            # A sector grant covers fixed sensors, not patrols.
            await _spoof_tcp(stack, xml(patrol(3)), GATEWAY_CERT)
            assert stack.rejected("cot.tls") == {"identity_mismatch": 1}

    run(attack())


def test_a_gateway_token_posts_only_for_its_grant(tmp_path: Path, pki_dir: Path) -> None:
    policy = IdentityPolicy(grants={"gw1": Grant(sensors=frozenset({RADAR}))})
    enc = msgspec.json.Encoder()

    async def attack() -> None:
        async with running(tmp_path, pki_dir, identity=policy) as stack:
            headers = {"Authorization": f"Bearer {await stack.token('gw1')}"}
            ok = await stack.http.post(
                "/api/v1/detections", content=enc.encode([detection(1)]), headers=headers
            )
            assert ok.status_code == 202, ok.text
            logged = stack.logged
            for spoof in (detection(2, OTHER_RADAR), tamper(3, OTHER_RADAR), patrol(4)):
                r = await stack.http.post(
                    "/api/v1/detections", content=enc.encode([spoof]), headers=headers
                )
                assert r.status_code == 422, r.text
                field = "callsign" if isinstance(spoof, Patrol) else "sensor_id"
                assert r.json()["field"] == f"$[0].{field}", r.json()
                assert "may not speak for" in r.json()["detail"], r.json()
            assert stack.rejected("http") == {"identity_mismatch": 3}
            assert stack.logged == logged
            assert stack.service.admission.speakers.refused["http:gw1", "identity_mismatch"] == 3

    run(attack())


def test_the_policy_file_is_read_and_a_bad_field_named(tmp_path: Path) -> None:
    path = tmp_path / "identity.toml"
    assert load_policy(path) == IdentityPolicy()  # no file: the plain ports carry nothing
    path.write_text('[plain]\nsensors = ["T12-U3"]\n[grants.gw-south]\nsectors = ["S02"]\n')
    policy = load_policy(path)
    assert policy.plain.sensors == {"T12-U3"}
    assert not policy.plain.loopback_patrols
    assert policy.grants["gw-south"].sectors == {"S02"}
    path.write_text('[grants.gw-south]\nsector = ["S02"]\n')
    with pytest.raises(ConfigError, match="sector"):
        load_policy(path)


def test_a_partners_device_reports_only_its_own_patrol_as_the_partners(
    tmp_path: Path, pki_dir: Path
) -> None:
    """Joint patrols through our own listener: a device whose certificate our PKI issued to
    Libya (OU `partner:ly`) reports its patrol as Libya's, in Libya's namespace, whatever its
    event claims; it cannot report another; our own device cannot report a partner's."""
    pki.issue(pki_dir, "LY-P7", organisational_unit="partner:ly")

    async def attack() -> None:
        async with running(tmp_path, pki_dir) as stack:
            # Our encoding says agency national_guard: the certificate says Libya.
            await _spoof_tcp(stack, xml(patrol(1, "LY-P7")), tls_name="LY-P7")
            assert stack.logged == 1
            await _spoof_tcp(stack, xml(patrol(2, "LY-P8"), patrol(3)), tls_name="LY-P7")
            assert stack.rejected("cot.tls") == {"identity_mismatch": 2}
            theirs = msgspec.structs.replace(patrol(4), agency="partner:ly")
            await _spoof_tcp(stack, xml(theirs), tls_name=PATROL)
            assert stack.rejected("cot.tls") == {"identity_mismatch": 3}
            assert stack.logged == 1
            await stack.service.engine.processed(1)
            (report,) = stack.service.engine.patrols.values()
            assert (report.callsign, report.agency) == ("ly/LY-P7", "partner:ly")

    run(attack())
