"""Degraded mode in the API and the console: a service on sector N03 fed the start of the
three-crossings run, then tower T06 reports its radar and camera down through the gateway's
path (`POST /api/v1/detections`, as a sensor's status comes in).

Before, the only blind stretch of N03 is the layout's gap at its north end (km 0-3.4, no
sensor reaches it: `never_covered`). After, km 15.7 to the sector's end, which only T06
covers, is blind `down`, naming T06-C and T06-R; its nearest patrol is the one dispatch
ranks first for that spot; the console draws it in the "down" style and lists it with that
patrol, beside the never-covered gap.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
from playwright.sync_api import Page, sync_playwright

from borderwatch.accounts import DataDir
from borderwatch.api import console
from borderwatch.engine.config import EVENT_CLOCK
from borderwatch.ingest.identity import Grant, IdentityPolicy
from borderwatch.messages import Detection, SensorStatus
from borderwatch.ops import busy_patrols, rank_patrols_to, road_network
from borderwatch.service import ServiceOptions
from tests.api.conftest import Api, running
from tests.api.test_console_browser import CHROMIUM, _sign_in

FEED = 4_000  # ~15 min of the run: patrols out, every tower heard
URL = "/api/v1/coverage"


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, messages: list[Any]) -> Iterator[Api]:
    options = ServiceOptions(
        data=DataDir(tmp_path_factory.mktemp("coverage-data")),
        sectors=("N03",),
        config=EVENT_CLOCK,
        identity=IdentityPolicy(grants={"gw1": Grant(sectors=frozenset({"N03"}))}),
    )
    with running(options, messages[:FEED]) as api:
        yield api


@pytest.fixture(scope="module")
def before(api: Api) -> dict[str, Any]:
    """GET /coverage before the tower goes down."""
    r = api.client.get(URL, headers=api.auth("op1"))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


class TowerDown:
    """Posts T06's radar and camera `down` (one second after the last event), once."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.time_ns: int | None = None

    def __call__(self) -> int:
        if self.time_ns is not None:
            return self.time_ns
        api = self.api
        logged = [e.message for e in api.service.log.read()]
        last = max(m.time_ns for m in logged if isinstance(m, Detection | SensorStatus))
        t = last + 1_000_000_000
        # Each one's own last heartbeat, now saying it is down (as the tower would).
        heartbeats = {
            m.sensor_id: m
            for m in logged
            if isinstance(m, SensorStatus) and m.sensor_id in ("T06-R", "T06-C")
        }
        assert sorted(heartbeats) == ["T06-C", "T06-R"]
        batch = msgspec.json.encode(
            [
                msgspec.structs.replace(m, time_ns=t, health="down", detail="no power")
                for m in heartbeats.values()
            ]
        )
        r = api.client.post("/api/v1/detections", content=batch, headers=api.auth("gw1"))
        assert r.status_code == 202, r.text
        api.call(api.service.engine.processed, api.service.writer.last_seq)
        self.time_ns = t
        return t


@pytest.fixture(scope="module")
def tower_down(api: Api, before: dict[str, Any]) -> TowerDown:
    """Takes `before` first: GET /coverage is asked before the tower goes down."""
    return TowerDown(api)


def _runs(body: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [f["properties"] for f in body["features"] if f["properties"]["kind"] == kind]


@pytest.fixture(scope="module")
def page(api: Api) -> Iterator[Page]:
    if CHROMIUM is None:
        pytest.fail("no chromium: `make chromium` installs it (apt-get install chromium, as root)")
    if not (console.DIST / "index.html").is_file():
        pytest.fail(f"the console is not built in {console.DIST}: run `make web`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--use-gl=swiftshader", "--enable-unsafe-swiftshader"]
        )
        page = browser.new_context(viewport={"width": 1400, "height": 860}).new_page()
        yield page
        browser.close()


def test_the_console_draws_the_blind_stretches_and_lists_the_nearest_patrol(
    api: Api, page: Page, tower_down: TowerDown
) -> None:
    # Runs first in this module (`--dist loadscope` keeps the module's order): the console
    # sees the tower go down, not a picture where it already is.
    assert tower_down.time_ns is None, "run the module whole: this test makes the tower fail"
    # An operator who chose their layers before the blind stretches existed (radar fields
    # off): their choice is kept, and the new layer is shown all the same.
    page.goto(api.base_url + "/")
    page.evaluate(
        "localStorage.setItem('borderwatch.layers', JSON.stringify(['border', 'berm', 'sectors',"
        " 'crossings', 'places', 'sites', 'shadows', 'approach', 'trails']))"
    )
    _sign_in(api, page, "op1")
    page.wait_for_selector("#blind-panel li.blind-run")
    # Only the layout's gap: listed, drawn dotted grey, nothing in the "down" style.
    assert page.eval_on_selector("#blind-panel", "p => p.dataset.down") == "0"
    page.wait_for_function("() => document.getElementById('map').dataset.blindDrawn")
    drawn = json.loads(page.eval_on_selector("#map", "m => m.dataset.blindDrawn"))
    assert drawn["blind-down"] == 0
    assert drawn["blind-never"] >= 1
    tower_down()  # as the tower's own status would come in: the console is told by a frame
    page.wait_for_selector("#blind-panel li.blind-run.down", timeout=15_000)
    rows = page.eval_on_selector_all(
        "#blind-panel li.blind-run",
        "rows => rows.map(r => [r.dataset.kind, r.dataset.sector, r.textContent,"
        " r.querySelector('.nearest')?.dataset.callsign ?? null])",
    )
    assert [r[0] for r in rows] == ["down", "never_covered"]  # down now listed first
    _, sector, text, callsign = rows[0]
    assert sector == "N03"
    assert "15.7" in text
    assert "T06-R down" in text
    (down,) = _runs(api.client.get(URL, headers=api.auth("op1")).json(), "down")
    assert callsign == down["nearest_patrol"]["callsign"]
    assert "min" in text or " s" in text  # its ETA
    # On the map, drawn by the "down" layer (its own style) beside the grey gap.
    page.wait_for_function(
        "() => JSON.parse(document.getElementById('map').dataset.blindDrawn)['blind-down'] > 0"
    )
    drawn = json.loads(page.eval_on_selector("#map", "m => m.dataset.blindDrawn"))
    assert drawn["blind-never"] >= 1
    legend = page.eval_on_selector_all(
        "#blind-panel .blind-legend .legend", "ls => ls.map(l => l.textContent)"
    )
    assert legend == ["down now", "never heard", "never covered"]
    assert page.locator("#layer-list input[data-group='blind']").is_checked()
    assert not page.locator("#layer-list input[data-group='coverage']").is_checked()


def test_coverage_tells_a_tower_down_from_a_gap_never_covered(
    api: Api, before: dict[str, Any], tower_down: TowerDown
) -> None:
    # Before: the layout's gap only, nothing degraded.
    assert _runs(before, "down") == []
    (gap,) = _runs(before, "never_covered")
    assert (gap["sector"], gap["from_km"], gap["to_km"]) == ("N03", 0.0, 3.4)
    assert (gap["why"], gap["confirmers"]) == ("no sensor there at all", [])
    assert before["sectors"][0]["degraded"] is False
    # After: T06's stretch is blind now, and why.
    down_ns = tower_down()
    r = api.client.get(URL, headers=api.auth("op1"))
    assert r.status_code == 200, r.text
    after = r.json()
    assert after["time_ns"] >= down_ns
    (run,) = _runs(after, "down")
    assert (run["sector"], run["from_km"], run["to_km"]) == ("N03", 15.7, 19.41)
    assert run["confirmers"] == [
        {"sensor_id": "T06-C", "state": "down"},
        {"sensor_id": "T06-R", "state": "down"},
    ]
    assert run["why"] == "T06-C down, T06-R down"
    assert _runs(after, "never_covered") == [gap]
    (sector,) = after["sectors"]
    assert (sector["sector"], sector["degraded"]) == ("N03", True)
    assert (sector["down_m"], sector["never_covered_m"], sector["unknown_m"]) == (3705.9, 3400.0, 0)
    # A LineString along the berm, in degrees, from one end of the run to the other.
    feature = next(f for f in after["features"] if f["properties"]["kind"] == "down")
    assert feature["geometry"]["type"] == "LineString"
    lon, lat = zip(*feature["geometry"]["coordinates"], strict=True)
    assert min(lon) <= run["lon"] <= max(lon)
    assert min(lat) <= run["lat"] <= max(lat)
    # The nearest patrol: dispatch's first for the run's middle, ETA along the roads.
    engine = api.service.engine
    ranked = rank_patrols_to(
        run["lat"],
        run["lon"],
        engine.patrols.values(),
        busy_patrols(engine.incidents),
        after["time_ns"],
        roads=road_network(api.app.state.api.sectors),
    )
    assert ranked, "the run's patrols are out"
    nearest = run["nearest_patrol"]
    assert (nearest["callsign"], nearest["eta_s"]) == (ranked[0].callsign, ranked[0].eta_s)
    assert 0 < nearest["eta_s"] < 3600


def test_coverage_is_role_checked_and_patrols_only_for_who_reads_them(
    api: Api, tower_down: TowerDown
) -> None:
    tower_down()
    assert api.client.get(URL).status_code == 401
    assert api.client.get(URL, headers=api.auth("ly1")).status_code == 403  # a partner
    # An admin reads sectors, not patrols: the runs, no patrol named.
    r = api.client.get(URL, headers=api.auth("adm1"))
    assert r.status_code == 200, r.text
    assert [f["properties"]["nearest_patrol"] for f in r.json()["features"]] == [None, None]
    # Asked again in the same scene, the runs are not walked again.
    from borderwatch.api.coverage import _caches

    cache = _caches[api.service]
    computed = cache.runs.computed
    api.client.get(URL, headers=api.auth("op1"))
    assert cache.runs.computed == computed
