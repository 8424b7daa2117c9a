"""The running service records the derived journal as its engine takes events: a report
read from it (steps, a patrol on scene, alerts, incidents) has the figures of the log
replayed, and a restart goes on with it without a gap."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import pickle
import shutil
from pathlib import Path
from typing import Any

import msgspec
import pytest

from borderwatch.accounts import DataDir
from borderwatch.engine.config import EVENT_CLOCK
from borderwatch.geo import load_sites
from borderwatch.geo.registry import Registry
from borderwatch.messages import OperatorAction, Patrol, decode_lines
from borderwatch.oversight.journal import Journal, fingerprint
from borderwatch.oversight.period import period_of
from borderwatch.oversight.reading import derived_for
from borderwatch.oversight.report import figures_of
from borderwatch.service import Service, ServiceOptions
from borderwatch.store import EventLog
from tests.scenarios import TEN_MINUTES, simulate_text

NS = 1_000_000_000


@pytest.fixture(scope="module")
def messages(tmp_path_factory: pytest.TempPathFactory) -> list[Any]:
    run_dir = simulate_text(tmp_path_factory.mktemp("journalled"), TEN_MINUTES)
    with (run_dir / "messages.jsonl").open("rb") as f:
        return list(decode_lines(f))


def _options(root: Path) -> ServiceOptions:
    # The engine's checkpoint written after every batch: a restart resumes from it.
    return ServiceOptions(
        data=DataDir(root), sectors=("N03",), config=EVENT_CLOCK, checkpoint_every_s=0.0
    )


def _action(t: int, action: str, target: str, **params: str) -> OperatorAction:
    return OperatorAction(
        id=f"A-{action}-{target}",
        user="op-n03" if action == "acknowledge" else "ng-desk",
        agency="army" if action == "acknowledge" else "national_guard",
        role="operator",
        time_ns=t,
        action=action,  # type: ignore[arg-type]
        target=target,
        why="test",
        params=params,
    )


async def _run(root: Path, messages: list[Any]) -> tuple[int, str]:
    """Feed the run, then work its first intrusion incident: acknowledged, a patrol sent,
    on scene, resolved."""
    async with Service.start(_options(root)) as s:
        for k in range(0, len(messages), 500):
            await s.admission.accept(messages[k : k + 500], "test:twin")
        await asyncio.wait_for(s.engine.processed(s.writer.last_seq), 60)
        inc = min(
            (i for i in s.engine.incidents.values() if i.category == "intrusion"),
            key=lambda i: i.opened_ns,
        )
        t = max(m.time_ns for m in messages)
        await s.act(_action(t + NS, "acknowledge", inc.id))
        await s.act(_action(t + 2 * NS, "assign", inc.id, patrol="NG-1"))
        for k, f in enumerate((0.02, 0.0)):  # 2 km out, then at the incident
            patrol = Patrol(callsign="NG-1", agency="national_guard", time_ns=t + (3 + k) * NS,
                            lat=inc.lat + f, lon=inc.lon, seq=k)  # fmt: skip
            await s.writer.append([patrol], "test:patrol")
        await s.act(_action(t + 10 * NS, "resolve", inc.id, outcome="apprehended"))
        await asyncio.wait_for(s.engine.processed(s.writer.last_seq), 60)
        return s.writer.last_seq, inc.id


def test_the_service_records_the_journal_a_report_reads(
    messages: list[Any], tmp_path: Path
) -> None:
    root = tmp_path / "data"
    last, iid = asyncio.run(_run(root, messages))
    registry = Registry.from_layout(load_sites(None).in_sectors({"N03"}))
    with Journal.open(root, fingerprint(EVENT_CLOCK, registry)) as journal:
        assert journal.covered == last
    day = dt.datetime.fromtimestamp(messages[0].time_ns / NS, dt.UTC).date().isoformat()
    with EventLog(root / "events.sqlite") as log:
        d = derived_for(root, log, registry, period_of("daily", day), EVENT_CLOCK)
    assert d.source == "journal"
    assert [s.state for s in d.steps[iid]] == ["acknowledged", "assigned", "on_scene", "resolved"]
    assert d.steps[iid][2].who == "NG-1"
    fast = figures_of(root, "daily", day, EVENT_CLOCK, registry)
    slow = figures_of(root, "daily", day, EVENT_CLOCK, registry, replay=True)
    assert msgspec.json.encode(fast) == msgspec.json.encode(slow)
    assert fast.incidents > 0
    assert fast.interdiction.apprehended == 1

    # A restart (its engine resumed from its checkpoint) goes on recording after what is
    # covered.
    async def restart() -> int:
        async with Service.start(_options(root)) as s:
            assert s.engine.seq > 0  # resumed
            await asyncio.wait_for(s.rebuilt.wait(), 60)
            await s.writer.append(
                [Patrol(callsign="NG-1", agency="national_guard",
                        time_ns=messages[-1].time_ns + 20 * NS, lat=32.9, lon=11.2, seq=9)],
                "test:patrol",
            )  # fmt: skip
            await asyncio.wait_for(s.engine.processed(s.writer.last_seq), 60)
            return s.writer.last_seq

    again = asyncio.run(restart())
    with Journal.open(root, fingerprint(EVENT_CLOCK, registry)) as journal:
        assert journal.covered == again == last + 1
        assert journal.query("SELECT count(*) FROM steps")[0][0] == 4  # none twice

    # Without its journal, a start does not resume from the checkpoint (the journal would
    # have a gap): the engine rebuilds from the first event, and the journal with it.
    shutil.rmtree(root / "oversight")

    async def rebuild() -> None:
        async with Service.start(_options(root)) as s:
            assert s.engine.seq == 0
            await asyncio.wait_for(s.rebuilt.wait(), 60)

    asyncio.run(rebuild())
    with Journal.open(root, fingerprint(EVENT_CLOCK, registry)) as journal:
        assert journal.covered == again
    assert msgspec.json.encode(
        figures_of(root, "daily", day, EVENT_CLOCK, registry)
    ) == msgspec.json.encode(figures_of(root, "daily", day, EVENT_CLOCK, registry, replay=True))


def test_the_service_makes_each_report_when_it_is_due(messages: list[Any], tmp_path: Path) -> None:
    """A simulated clock: nothing is due while the day lasts; once it is over and the
    reorder window has settled, the day's report is made and kept; on the Monday after,
    the Sunday's and the week's; nothing twice."""
    sat = dt.datetime.fromtimestamp(messages[0].time_ns / NS, dt.UTC)
    assert sat.date().isoformat() == "2026-03-14"  # a Saturday: the week ends tomorrow
    midnight = int(dt.datetime(2026, 3, 15, tzinfo=dt.UTC).timestamp()) * NS
    now = [max(m.time_ns for m in messages) + 60 * NS]
    options = dataclasses.replace(
        _options(tmp_path / "data"),
        reports_every_s=0.05,
        report_langs=("en",),
        report_formats=("html",),
    )

    async def kept(s: Service, n: int) -> list[str]:
        for _ in range(400):
            names = sorted(r.name for r in s.reports.library.kept())
            if len(names) >= n:
                return names
            await asyncio.sleep(0.05)
        return sorted(r.name for r in s.reports.library.kept())

    async def run() -> None:
        async with Service.start(options, clock=lambda: now[0]) as s:
            await s.admission.accept(messages, "test:twin")
            await asyncio.wait_for(s.engine.processed(s.writer.last_seq), 60)
            now[0] = midnight + 5 * 60 * NS  # over, but not settled
            await asyncio.sleep(0.3)
            assert await kept(s, 0) == []
            now[0] = midnight + 11 * 60 * NS
            assert await kept(s, 2) == ["daily-2026-03-14-en.html", "daily-2026-03-14.json"]
            now[0] = midnight + (86400 + 11 * 60) * NS  # Monday 00:11
            names = await kept(s, 6)
            assert names == [
                "daily-2026-03-14-en.html", "daily-2026-03-14.json",
                "daily-2026-03-15-en.html", "daily-2026-03-15.json",
                "weekly-2026-03-09-en.html", "weekly-2026-03-09.json",
            ]  # fmt: skip
            await asyncio.sleep(0.3)
            assert s.reports.made == 3
            assert s.reports.failed == set()
            report = msgspec.json.decode(
                (s.reports.library.dir / "weekly-2026-03-09.json").read_bytes()
            )
            assert report["incidents"] > 0

    asyncio.run(run())


def test_the_journal_covers_every_checkpoint(messages: list[Any], tmp_path: Path) -> None:
    """The journal is committed before each engine checkpoint is written: after a kill -9
    the next start resumes from the checkpoint (the journal covers it) instead of
    rebuilding the picture from the first event. Here the service's own commit waits an
    hour, so only the checkpoint's commit can keep the journal up."""
    root = tmp_path / "data"
    options = dataclasses.replace(_options(root), journal_every_s=3600.0)
    registry = Registry.from_layout(load_sites(None).in_sectors({"N03"}))

    async def run() -> tuple[int, int]:
        async with Service.start(options) as s:
            for k in range(0, 3000, 500):
                await s.admission.accept(messages[k : k + 500], "test:twin")
            await asyncio.wait_for(s.engine.processed(s.writer.last_seq), 60)
            checkpoint_seq = pickle.loads((root / "engine.checkpoint").read_bytes())[1]
            with Journal.open(root, fingerprint(EVENT_CLOCK, registry)) as journal:
                return checkpoint_seq, journal.covered

    checkpoint_seq, covered = asyncio.run(run())
    assert covered >= checkpoint_seq > 1000
