"""The service's core through the path data takes: admission → event log → live engine, and
operator actions; then a restart, which must rebuild the very same picture from the log."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest

from borderwatch.accounts import DataDir
from borderwatch.engine import ActionError
from borderwatch.engine.config import EVENT_CLOCK
from borderwatch.errors import MessageError
from borderwatch.messages import Detection, OperatorAction, decode_lines
from borderwatch.service import Service, ServiceOptions
from tests.scenarios import THREE_CROSSINGS, simulate_text

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T], timeout: float = 120.0) -> T:
    return asyncio.run(asyncio.wait_for(coro, timeout))


@pytest.fixture(scope="module")
def messages(tmp_path_factory: pytest.TempPathFactory) -> list[Any]:
    run_dir = simulate_text(tmp_path_factory.mktemp("service"), THREE_CROSSINGS)
    with (run_dir / "messages.jsonl").open("rb") as f:
        return list(decode_lines(f))


def _options(root: Path) -> ServiceOptions:
    # The twin's clock is March 2026: no "ahead of our clock" check in these tests.
    return ServiceOptions(data=DataDir(root), sectors=("N03",), config=EVENT_CLOCK)


def _action(service: Service, kind: str, target: str, **params: str) -> OperatorAction:
    return OperatorAction(
        id=service.new_action_id(),
        user="op1",
        agency="national_guard",
        role="operator",
        time_ns=service.engine.tracks_time_ns,
        action=kind,  # type: ignore[arg-type]
        target=target,
        params=params,
    )


def test_a_restart_rebuilds_the_picture_an_operator_worked_on(
    messages: list[Any], tmp_path: Path
) -> None:
    async def first() -> dict[str, Any]:
        async with Service.start(_options(tmp_path)) as s:
            for k in range(0, len(messages), 500):
                await s.admission.accept(messages[k : k + 500], "test:twin")
            await s.engine.processed(s.writer.last_seq)
            assert s.engine.incidents, "three crossings and no incident"
            first_id = min(s.engine.incidents)
            inc = await s.act(_action(s, "acknowledge", first_id))
            assert inc is not None
            assert inc.state == "acknowledged"
            with pytest.raises(ActionError, match="cannot become acknowledged"):
                await s.act(_action(s, "acknowledge", first_id))
            inc = await s.act(_action(s, "assign", first_id, patrol="NG-N03-1"))
            assert inc is not None
            assert inc.assigned_patrol == "NG-N03-1"
            await s.act(_action(s, "note", first_id, text="tracks seen by the tower"))
            inc = await s.act(_action(s, "resolve", first_id, outcome="turned_back"))
            assert inc is not None
            assert inc.outcome == "turned_back"
            with pytest.raises(ActionError, match="no incident"):
                await s.act(_action(s, "acknowledge", "I999999"))
            return _picture(s)

    async def second() -> dict[str, Any]:
        async with Service.start(_options(tmp_path)) as s:
            # Correctness, not speed: a loaded CI machine (load 5-7) once took over 60 s.
            await asyncio.wait_for(s.rebuilt.wait(), 200)
            return _picture(s)

    before = run(first())
    after = run(second(), timeout=240.0)
    assert after == before
    assert before["incidents"][min(before["incidents"])].state == "resolved"
    assert before["frames"] > 100


def _picture(s: Service) -> dict[str, Any]:
    e = s.engine
    return {
        "seq": e.seq,
        "frames": s.feed.last_seq,
        "tracks": dict(e.tracks),
        "alerts": dict(e.alerts),
        "incidents": dict(e.incidents),
        "notes": {k: list(v) for k, v in e.notes.items()},
        "patrols": dict(e.patrols),
        "sensors": dict(e.sensors),
        "last_frames": list(s.feed.frames)[-50:],
    }


def test_admission_refuses_what_the_system_does_not_know(tmp_path: Path) -> None:
    good = Detection(
        sensor_id="T05-R",
        kind="radar",
        seq=1,
        time_ns=1_773_471_600_000_000_000,
        range_m=1000.0,
        bearing_deg=90.0,
        sigma_range_m=10.0,
        sigma_bearing_deg=0.5,
    )
    cases = {
        "unknown sensor 'N99-T1-R'": Detection(
            **{**_fields(good), "sensor_id": "N99-T1-R"}  # type: ignore[arg-type]
        ),
        "is a radar, not a camera": Detection(
            **{**_fields(good), "kind": "camera", "range_m": None, "sigma_range_m": None}  # type: ignore[arg-type]
        ),
    }

    async def check() -> None:
        async with Service.start(_options(tmp_path)) as s:
            assert good.sensor_id in s.registry.places
            for reason, bad in cases.items():
                with pytest.raises(MessageError, match=reason):
                    await s.admission.accept([good, bad], "test")
            with pytest.raises(MessageError, match="may not speak for"):
                await s.admission.accept([good], "tls:T06-R")
            assert s.writer.last_seq == 0  # nothing of a refused batch is logged
            await s.admission.accept([good], "tls:T05-R")
            assert s.writer.last_seq == 1

    run(check())


def _fields(d: Detection) -> dict[str, object]:
    return {f: getattr(d, f) for f in d.__struct_fields__}
