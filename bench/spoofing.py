"""Benchmark: an attacker on the network spoofs patrols and tamper reports (issue 15's bar).

The twin's `full-border-day` (seed 1) is simulated once and fed to a fresh service twice, in
process, through admission and the event log into the live engine, as the sensors' own
authenticated traffic ("twin:" source):
1. clean: the run alone; its alerts are the reference;
2. attacked: the same run, and an attacker who knows where the smugglers walk (the twin's
   truth) sends what would hide them or raise a false P1: the position reports of one of our
   own patrols walking with each hostile group every 10 s (a patrol makes the tracks near it
   friendly, so no alert), and a radar's tamper report at each intrusion alert, through the real
   CoT listeners: the plain TCP port from another address, and the TLS port with a stolen
   certificate (a camera's). The spoofs of each stretch of event time are sent, and counted by
   the listeners, before the twin's messages of that stretch are admitted, so any spoof let
   through would sit in the log where it would change the picture.

3. unprotected: the attacked run again with the plain port trusted as before issue 15 (every
   sensor and patrol from this machine): what the same spoofs do when let in.

Bars: the attacked run's alerts equal the clean run's, and 100 % of the spoofs are refused
(counted by reason), none in the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from borderwatch.accounts import DataDir
from borderwatch.engine.config import EVENT_CLOCK
from borderwatch.geo.projection import to_lonlat
from borderwatch.ingest import cot
from borderwatch.ingest.cot import CotSettings, encode_xml
from borderwatch.messages import Alert, Patrol, SensorStatus, decode_lines
from borderwatch.pki import client_ssl_context, init_ca, issue, server_ssl_context
from borderwatch.revocation import Revocations
from borderwatch.service import Service, ServiceOptions
from borderwatch.twin import load_scenario, simulate

__all__ = ["run"]

SCENARIO = "full-border-day"
CHUNK = 2000
STOLEN = "T05-C"  # the certificate the attacker took from a camera mast
ATTACKER = "127.0.0.2"
INTRUSION = {"approach", "crossing", "line_breach", "loitering", "convoy"}


def _spoofs(
    truth: Path, alerts: Sequence[Alert], callsign: str, radar: str
) -> list[tuple[int, bytes]]:
    """(event time, CoT XML) of every spoof, in time order: one of our patrols walking with
    each hostile group every 10 s of its path (its place, speed and course: what makes the
    tracks near it friendly), and a tamper report of a radar at each intrusion alert."""
    out: list[tuple[int, bytes]] = []
    groups: set[str] = set()
    for line in truth.read_text().splitlines():
        mover = json.loads(line)
        if mover.get("type") != "mover" or not mover.get("hostile"):
            continue
        if mover.get("group") in groups:
            continue  # one companion per group
        groups.add(mover.get("group") or mover["id"])
        t = np.asarray(mover["t_ns"], dtype=np.int64)
        ts = np.arange(t[0], t[-1], 10 * 10**9, dtype=np.int64)
        if len(ts) < 2:
            continue
        x = np.interp(ts, t, mover["x"])
        y = np.interp(ts, t, mover["y"])
        vx, vy = np.gradient(x, ts / 1e9), np.gradient(y, ts / 1e9)
        lon, lat = to_lonlat(x, y)
        for k in range(len(ts)):
            report = Patrol(
                callsign=callsign,
                agency="national_guard",
                time_ns=int(ts[k]),
                lat=round(float(lat[k]), 7),
                lon=round(float(lon[k]), 7),
                speed_mps=min(100.0, float(np.hypot(vx[k], vy[k]))),
                course_deg=min(float(np.degrees(np.arctan2(vx[k], vy[k])) % 360.0), 359.999),
            )
            out.append((int(ts[k]), encode_xml(report)))
    for a in alerts:
        if a.rule in INTRUSION:
            tamper = SensorStatus(
                sensor_id=radar, kind="radar", seq=0, time_ns=a.time_ns, health="tampered"
            )
            out.append((a.time_ns, encode_xml(tamper)))
    out.sort(key=lambda s: s[0])
    return out


async def _feed(
    data: Path,
    pki: Path,
    messages: list[Any],
    spoofs: list[tuple[int, bytes]],
    *,
    unprotected: bool = False,
) -> dict[str, Any]:
    # Unprotected: the plain port trusted as before issue 15 (every sensor, patrols from this
    # machine, where the attacker's address also is): what the spoofs do when let in.
    options = ServiceOptions(
        data=DataDir(data),
        config=EVENT_CLOCK,
        audit_refusals_s=3600.0,
        plain_sensors=("*",) if unprotected else (),
        loopback_patrols=unprotected,
    )
    async with Service.start(options) as service:
        settings = CotSettings(
            host="127.0.0.1", plain_host="127.0.0.1", tcp_port=0, udp_port=None, tls_port=0
        )
        server = await cot.setup(
            settings, service.admission, service.stats, server_ssl_context(pki), Revocations(pki)
        )
        sent = 0
        try:
            writers = []
            if spoofs:
                for port, ssl in (
                    (server.tcp_port, None),
                    (server.tls_port, client_ssl_context(pki, STOLEN)),
                ):
                    _, w = await asyncio.open_connection(
                        "127.0.0.1", port, ssl=ssl, local_addr=(ATTACKER, 0)
                    )
                    writers.append(w)
            stats = service.stats

            def seen() -> int:
                rejected = sum(n for (a, _), n in stats.rejected.items() if a.startswith("cot"))
                return rejected + sum(n for a, n in stats.accepted.items() if a.startswith("cot"))

            i = 0
            t0 = time.perf_counter()
            for k in range(0, len(messages), CHUNK):
                chunk = messages[k : k + CHUNK]
                until = chunk[-1].time_ns
                while i < len(spoofs) and spoofs[i][0] <= until:
                    for w in writers:  # the attacker tries both ways in
                        w.write(spoofs[i][1])
                        sent += 1
                    i += 1
                if writers:
                    await asyncio.gather(*(w.drain() for w in writers))
                    async with asyncio.timeout(30):
                        while seen() < sent:
                            await asyncio.sleep(0.002)
                await service.admission.accept(chunk, "twin:sensors")
            await service.engine.processed(service.writer.last_seq)
            wall = time.perf_counter() - t0
            for w in writers:
                w.close()
        finally:
            await cot.close(server)
        snapshot = service.stats.snapshot()
        return {
            "alerts": sorted(service.engine.alerts.values(), key=lambda a: a.id),
            "logged": service.writer.last_seq,
            "sent": sent,
            "rejected": {a: r for a, r in snapshot["rejected"].items() if a.startswith("cot")},
            "accepted_spoofs": sum(
                n for a, n in snapshot["accepted"].items() if a.startswith("cot")
            ),
            "wall_s": round(wall, 1),
        }


def _key(a: Alert) -> tuple[Any, ...]:
    return (a.id, a.rule, a.time_ns, a.track_ids, round(a.lat, 6), round(a.lon, 6))


def run(hours: float | None = None) -> dict[str, Any]:
    """Simulate, run clean, run attacked; compare the alerts and count the refusals."""
    scenario, path = load_scenario(SCENARIO)
    with tempfile.TemporaryDirectory(prefix="bw-spoofing-") as tmp:
        root = Path(tmp)
        simulate(scenario, path, 1, root / "run", hours=hours, progress=False)
        with (root / "run" / "messages.jsonl").open("rb") as f:
            messages = list(decode_lines(f))
        pki = root / "pki"
        init_ca(pki)
        issue(pki, STOLEN)
        clean = asyncio.run(_feed(root / "clean", pki, messages, []))
        callsign = next(m.callsign for m in messages if isinstance(m, Patrol))
        spoofs = _spoofs(root / "run" / "truth.jsonl", clean["alerts"], callsign, "T05-R")
        attacked = asyncio.run(_feed(root / "attacked", pki, messages, spoofs))
        let_in = asyncio.run(_feed(root / "unprotected", pki, messages, spoofs, unprotected=True))
    refused = sum(n for reasons in attacked["rejected"].values() for n in reasons.values())
    same = [_key(a) for a in clean["alerts"]] == [_key(a) for a in attacked["alerts"]]
    intrusion = sum(a.rule in INTRUSION for a in clean["alerts"])
    return {
        "bench": "spoofing",
        "scenario": SCENARIO,
        "hours": hours,
        "messages": len(messages),
        "alerts_clean": len(clean["alerts"]),
        "intrusion_alerts_clean": intrusion,
        "alerts_attacked": len(attacked["alerts"]),
        "intrusion_alerts_attacked": sum(a.rule in INTRUSION for a in attacked["alerts"]),
        "alerts_equal": same,
        # The same attack on the plain port as it was trusted before issue 15.
        "intrusion_alerts_unprotected": sum(a.rule in INTRUSION for a in let_in["alerts"]),
        "spoofs_accepted_unprotected": let_in["accepted_spoofs"],
        "spoofs_sent": attacked["sent"],
        "spoofs_refused": refused,
        "spoofs_accepted": attacked["accepted_spoofs"],
        "refused_by_reason": attacked["rejected"],
        "logged_clean": clean["logged"],
        "logged_attacked": attacked["logged"],
        "wall_s": {"clean": clean["wall_s"], "attacked": attacked["wall_s"]},
        "bars": {
            "alerts equal the clean run's": same,
            "100 % of spoofs refused": refused == attacked["sent"] > 0
            and attacked["accepted_spoofs"] == 0
            and attacked["logged"] == clean["logged"],
        },
    }


if __name__ == "__main__":
    import sys

    with contextlib.suppress(KeyboardInterrupt):
        print(json.dumps(run(float(sys.argv[1]) if len(sys.argv) > 1 else None)))
