"""Benchmark (issue 17, the twin): the chain passage -> hit -> alert -> decision, end to end.

The twin's checkpoint traffic (`twin.checkpoints`: both posts, vehicles with one to four
travellers, passports with valid zones, a partner's list some travellers are on under another
writing of their name) goes through the real API of a running service, as the lanes' officers
would send it: each passage recorded (`POST /checkpoints/passages`), screened against the
list, a hit raising its alert through the engine; then the second line decides each passage
with a hit at once, before the next passage, from the ground truth (held if the traveller is
the entry hit, else cleared). (A hit joins an open incident only when it is about the same
listed person at the same post within the merge window: decided at the end instead, hits on
different people are still different incidents.)

Reported: passages, listed travellers and how many were found on their own entry (recall),
innocents flagged, alerts and incidents, incidents resolved by the decisions, and the time
from sending a passage to its alert standing in the engine (the API answers after the engine
has taken the logged hit; p50, p99, max, wall clock, on this loaded machine). Checks: every
passage with a hit has its alert, every lookout incident is resolved once its passages are
decided, and the ground truth never reaches the API.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from borderwatch.accounts import DataDir
from borderwatch.api import create_app
from borderwatch.engine.lookout import passages_of
from borderwatch.service import Service, ServiceOptions
from borderwatch.twin.checkpoints import Traffic, checkpoint_traffic

__all__ = ["run"]

OFFICERS = {"ras_ajdir": "ra.lane", "dehiba_wazen": "dw.lane"}
SEED = 2026


def _ms(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


async def _chain(data: Path, traffic: Traffic) -> dict[str, Any]:
    folder = data / "checkpoints" / "lists"
    folder.mkdir(parents=True)
    (folder / f"{traffic.list_name}.csv").write_text(traffic.list_csv, encoding="utf-8")
    async with Service.start(ServiceOptions(data=DataDir(data))) as service:
        for name in OFFICERS.values():
            service.users.add(name, "customs", "officer", "lane-officer-password-1")
        app = create_app(service)  # opens the posts' desk with the list (api.checkpoints)
        desk = app.state.checkpoints
        for post, name in OFFICERS.items():
            desk.log.bind(name, [post], "bench", service.clock())
        tokens = {
            p: {"Authorization": f"Bearer {service.tokens.issue(service.users.get(n))}"}
            for p, n in OFFICERS.items()
        }
        transport = httpx.ASGITransport(app=app)
        found = flagged = alerted = with_hits = 0
        to_alert: list[float] = []
        no_hit: list[float] = []
        decide: list[str] = []
        async with httpx.AsyncClient(transport=transport, base_url="http://bw") as client:
            for p in traffic.passages:
                body = {"post": p.post, "lane": p.lane, "direction": p.direction,
                        "mrz": p.mrz, "plate": p.plate, "names_arabic": p.names_arabic}  # fmt: skip
                t0 = time.perf_counter()
                r = await client.post(
                    "/api/v1/checkpoints/passages", json=body, headers=tokens[p.post]
                )
                took = time.perf_counter() - t0
                r.raise_for_status()
                view = r.json()
                entries = {h["entry"] for h in view["hits"]}
                if p.listed is not None and p.listed in entries:
                    found += 1
                if p.listed is None and entries:
                    flagged += 1
                if entries:
                    with_hits += 1
                    iid = view.get("incident")
                    inc = service.engine.incidents.get(iid or "")
                    alerts = service.engine.alerts
                    if inc is not None and view["passage"]["id"] in passages_of(inc, alerts):
                        alerted += 1
                        to_alert.append(took)
                    held = p.listed is not None and p.listed in entries
                    decide.append(view["passage"]["id"])
                    r = await client.post(
                        f"/api/v1/checkpoints/passages/{view['passage']['id']}/decision",
                        json={"decision": "held" if held else "cleared", "why": "twin's truth"},
                        headers=tokens[p.post],
                    )
                    r.raise_for_status()
                else:
                    no_hit.append(took)
        lookouts = [i for i in service.engine.incidents.values() if i.category == "checkpoint"]
        listed = sum(p.listed is not None for p in traffic.passages)
        innocents = len(traffic.passages) - listed
        return {
            "passages": len(traffic.passages),
            "vehicles": len({p.vehicle for p in traffic.passages}),
            "listed_travellers": listed,
            "listed_found": found,
            "recall": round(found / listed, 4) if listed else None,
            "innocents_flagged": flagged,
            "innocent_flag_rate": round(flagged / innocents, 5) if innocents else None,
            "passages_with_hits": with_hits,
            "lookout_alerts": sum(a.rule == "lookout_hit" for a in service.engine.alerts.values()),
            "incidents": len(lookouts),
            "most_passages_in_an_incident": max(
                (len(passages_of(i, service.engine.alerts)) for i in lookouts), default=0
            ),
            "incidents_resolved": sum(i.state == "resolved" for i in lookouts),
            "apprehended": sum(i.outcome == "apprehended" for i in lookouts),
            "decisions": len(decide),
            "time_to_alert_ms": {
                "p50": _ms(to_alert, 0.5),
                "p99": _ms(to_alert, 0.99),
                "max": _ms(to_alert, 1.0),
                "mean": round(1000 * statistics.fmean(to_alert), 2) if to_alert else 0.0,
            },
            "no_hit_passage_ms": {"p50": _ms(no_hit, 0.5), "p99": _ms(no_hit, 0.99)},
            "bars": {
                "every_hit_alerted": alerted == with_hits,
                "every_incident_decided": all(i.state == "resolved" for i in lookouts),
            },
        }


def run(quick: bool = False) -> list[dict[str, Any]]:
    """One JSON line: the chain over two hours of both posts' traffic (a quarter hour quick)."""
    hours = 0.25 if quick else 2.0
    traffic = checkpoint_traffic(SEED, hours=hours, listed_share=0.06 if quick else 0.03)
    with tempfile.TemporaryDirectory(prefix="bw-chain-") as tmp:
        result = asyncio.run(_chain(Path(tmp), traffic))
    return [{"bench": "checkpoint_chain", "seed": SEED, "hours": hours, **result}]
