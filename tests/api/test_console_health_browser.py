"""The health queue in a real headless Chromium: a service watching the whole layout, fed
the twin on sector N03 alone, where tower T05 falls silent three minutes in.

The operator sees one equipment fault (the tower: its radar and camera are one row), in the
health panel, never in the intrusion queue; the other sectors' sensors, never heard, are
"unknown", not down, and raise no alarm; their threat is low; the API's health queue
(`/incidents?category=system`) says the same. Before, the other sectors' silent sensors made
~50 P2 alerts in the intrusion queue and every sector's threat high.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, sync_playwright

from borderwatch.accounts import DataDir
from borderwatch.api import console
from borderwatch.engine.config import EVENT_CLOCK
from borderwatch.messages import Detection, SensorStatus, decode_lines
from borderwatch.service import ServiceOptions
from tests.api.conftest import Api, running
from tests.api.test_console_browser import CHROMIUM, _sign_in
from tests.scenarios import TEN_MINUTES, simulate_text

CUT_S = 180  # tower T05 is heard no more after this long


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    run_dir = simulate_text(tmp_path_factory.mktemp("health-run"), TEN_MINUTES)
    with (run_dir / "messages.jsonl").open("rb") as f:
        messages: list[Any] = list(decode_lines(f))
    first_ns = min(m.time_ns for m in messages if isinstance(m, Detection | SensorStatus))
    kept = [
        m
        for m in messages
        if not (
            isinstance(m, Detection | SensorStatus)
            and m.sensor_id.startswith("T05-")
            and m.time_ns > first_ns + CUT_S * 1_000_000_000
        )
    ]
    options = ServiceOptions(
        data=DataDir(tmp_path_factory.mktemp("health-data")), config=EVENT_CLOCK
    )  # every sector of the layout
    with running(options, kept) as api:
        yield api


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


def test_the_api_health_queue_holds_one_fault_and_the_intrusion_queue_none(api: Api) -> None:
    token = api.auth("op1")
    faults = api.client.get("/api/v1/incidents?category=system", headers=token).json()
    assert [(f["sector"], f["category"]) for f in faults] == [("N03", "system")]
    (alert_id,) = faults[0]["alert_ids"]
    alert = api.client.get(f"/api/v1/alerts/{alert_id}", headers=token).json()
    assert (alert["rule"], alert["evidence"]) == ("site_down", ["T05", "T05-C", "T05-R"])
    intrusion = api.client.get("/api/v1/incidents?category=intrusion", headers=token).json()
    assert all(i.get("category", "intrusion") == "intrusion" for i in intrusion)
    assert not {a for i in intrusion for a in i["alert_ids"]} & {alert_id}
    sectors = api.client.get("/api/v1/sectors", headers=token).json()["features"]
    props = {f["id"]: f["properties"] for f in sectors}
    assert props["N03"]["open_faults"] == 1
    assert props["N03"]["open_incidents"] == len(intrusion)
    assert all(p.get("open_faults", 0) == 0 for s, p in props.items() if s != "N03")
    sensors = api.client.get("/api/v1/sensors", headers=token).json()
    health = {s["sensor_id"]: s["health"] for s in sensors}
    assert health["T05-R"] == health["T05-C"] == "down"
    assert {h for sid, h in health.items() if sid.startswith("T01-")} == {"unknown"}


def test_the_console_shows_the_fault_once_in_the_health_panel(api: Api, page: Page) -> None:
    _sign_in(api, page, "op1")
    page.wait_for_selector("#fault-queue .fault")
    rows = page.eval_on_selector_all(
        "#fault-queue .fault", "rows => rows.map(r => [r.dataset.sector, r.textContent])"
    )
    assert len(rows) == 1
    assert rows[0][0] == "N03"
    assert "T05" in rows[0][1]
    # Nothing about our equipment in the intrusion queue.
    system = {a.id for a in api.service.engine.alerts.values() if a.category == "system"}
    shown = page.eval_on_selector_all("#alert-queue .alert", "rows => rows.map(r => r.dataset.id)")
    assert not set(shown) & system
    # Another sector: its sensors never heard (unknown), its threat low.
    n01 = page.locator("#health-panel tr.sector[data-sector='N01']")
    assert "low" in (n01.locator(".threat").get_attribute("class") or "")
    assert "unknown" in (n01.locator(".sensors-up").text_content() or "")
