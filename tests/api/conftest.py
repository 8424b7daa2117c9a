"""One running service for the whole API suite: a real `Service` on a temporary data
directory, fed the first part of the three-crossings run (incidents open, tracks on the map),
with one user per role; the app over it, reached through FastAPI's TestClient on the
service's own event loop (and behind a real uvicorn server, for tools that need a URL).

Tests change the picture (they work incidents), so each takes the incidents it needs by
state (`Api.incident_for`) rather than by id, and none depends on another having run.
"""

from __future__ import annotations

import contextlib
import time
import warnings
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import anyio
import pytest
import uvicorn
from anyio.from_thread import BlockingPortal, start_blocking_portal
from fastapi import FastAPI

from borderwatch.accounts import DataDir, Passwords, Role
from borderwatch.api import ApiSettings, create_app
from borderwatch.engine.config import EVENT_CLOCK
from borderwatch.ingest.identity import Grant, IdentityPolicy
from borderwatch.messages import ActionKind, Incident, OperatorAction, decode_lines
from borderwatch.service import Service, ServiceOptions
from tests.accounts.helpers import PASSWORD, cheap_hasher
from tests.scenarios import THREE_CROSSINGS, simulate_text

from .checkpoints_data import bind_officers, write_lists

with warnings.catch_warnings():
    # Starlette 1.x asks for `httpx2` and warns (an error here) when it finds httpx, the
    # client this project installs; the TestClient works the same with either.
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient, WebSocketTestSession

T = TypeVar("T")

# The first 16,000 messages (~70 min): five incidents opened, tracks still on the map.
FEED = 16_000
# Fewer frames kept than the run makes, so a console starting from 0 gets a reset.
KEEP_FRAMES = 500
PATROL = "NG-N03-1"

# name, agency for each role; `dz1` is a second partner, `off1` a disabled operator.
USERS: dict[str, tuple[str, Role]] = {
    "op1": ("national_guard", "operator"),
    "cmd1": ("national_guard", "commander"),
    "an1": ("army", "analyst"),
    "adm1": ("national_guard", "admin"),
    "ly1": ("partner:ly", "partner"),
    "gw1": ("national_guard", "gateway"),
    "dz1": ("partner:dz", "partner"),
    "off1": ("customs", "operator"),
    "ov1": ("oversight", "oversight"),
    # Checkpoints (issue 17): post officers, bound to a post each (checkpoints_data).
    "cus1": ("customs", "officer"),
    "ng9": ("national_guard", "officer"),
}
BY_ROLE: dict[Role, str] = {"operator": "op1", "commander": "cmd1", "analyst": "an1"}
BY_ROLE |= {"admin": "adm1", "partner": "ly1", "gateway": "gw1", "oversight": "ov1"}
BY_ROLE |= {"officer": "cus1"}

# In which states each action can be taken (the lifecycle of DESIGN §4).
READY: dict[str, frozenset[str]] = {
    "acknowledge": frozenset({"new"}),
    "assign": frozenset({"acknowledged", "assigned"}),
    "resolve": frozenset({"acknowledged", "assigned"}),
    "note": frozenset({"new", "acknowledged", "assigned", "resolved"}),
    "release": frozenset({"new", "acknowledged", "assigned", "resolved"}),
}


@dataclass
class Api:
    """The running service, its app, and ways in."""

    service: Service
    app: FastAPI
    portal: BlockingPortal
    client: TestClient
    base_url: str  # the same app behind uvicorn (for tools that speak HTTP only)

    def call(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        """Run a coroutine function on the service's loop."""
        return self.portal.call(fn, *args)

    def token(self, name: str) -> str:
        """A fresh token for `name` (issued directly: no login action logged)."""
        return self.service.tokens.issue(self.service.users.get(name))

    def auth(self, name: str) -> dict[str, str]:
        """Headers with a fresh token for `name`."""
        return {"Authorization": f"Bearer {self.token(name)}"}

    def client_for(self, app: FastAPI) -> TestClient:
        """A TestClient for another app over the same service (same loop)."""
        client = TestClient(app)
        client.portal = self.portal
        return client

    def app_with(self, settings: ApiSettings) -> TestClient:
        """A client for a second app over this service with other limits."""
        return self.client_for(create_app(self.service, settings))

    def act(self, action: ActionKind, target: str, **params: str) -> Incident:
        """Take an action as a setup user, straight through the service."""
        act = OperatorAction(
            id=self.service.new_action_id(),
            user="setup",
            agency="national_guard",
            role="commander",
            time_ns=time.time_ns(),
            action=action,
            target=target,
            params=params,
        )
        inc = self.call(self.service.act, act)
        assert inc is not None
        return inc

    def incident_for(self, action: str, exclude: frozenset[str] = frozenset()) -> str:
        """An incident `action` can be taken on now (one is acknowledged first if need be)."""
        incidents = self.service.engine.incidents
        for iid in sorted(incidents):
            if incidents[iid].state in READY[action] and iid not in exclude:
                return iid
        if action in ("assign", "resolve"):
            return self.act("acknowledge", self.incident_for("acknowledge", exclude)).id
        pytest.fail(f"no incident left to {action}: feed more of the run")

    def receive(self, ws: WebSocketTestSession, timeout: float = 10.0) -> dict[str, Any]:
        """The next message from the server (or its close), failing after `timeout` s rather
        than hanging the suite (TestClient's own receive waits forever)."""

        async def next_message() -> dict[str, Any]:
            with anyio.fail_after(timeout):
                return dict(await ws._send_rx.receive())

        return self.portal.call(next_message)


@pytest.fixture(scope="package")
def api_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The twin's run the package's services are fed (its truth beside its messages)."""
    return simulate_text(tmp_path_factory.mktemp("api-run"), THREE_CROSSINGS)


@pytest.fixture(scope="package")
def messages(api_run: Path) -> list[Any]:
    with (api_run / "messages.jsonl").open("rb") as f:
        return list(decode_lines(f))[:FEED]


@pytest.fixture(scope="package")
def api(tmp_path_factory: pytest.TempPathFactory, messages: list[Any]) -> Iterator[Api]:
    # The twin's clock is March 2026: no "ahead of our clock" check here.
    options = ServiceOptions(
        data=DataDir(tmp_path_factory.mktemp("api-data")),
        sectors=("N03",),
        config=EVENT_CLOCK,
        keep_frames=KEEP_FRAMES,
        # The gateway account posts for the sector's sensors (ingest.identity).
        identity=IdentityPolicy(grants={"gw1": Grant(sectors=frozenset({"N03"}))}),
    )
    with running(options, messages) as api:
        yield api


@contextlib.contextmanager
def running(
    options: ServiceOptions,
    messages: list[Any],
    clock: Callable[[], int] = time.time_ns,
    settings: ApiSettings | None = None,
) -> Iterator[Api]:
    """A service with these options (and `clock`, API `settings`), fed `messages`, with the
    users; its app behind a TestClient and a uvicorn server, all on one event loop in a
    thread of its own."""
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(Service.start(options, clock)) as service,
    ):
        service.users.passwords = Passwords(cheap_hasher())
        for name, (agency, role) in USERS.items():
            service.users.add(name, agency, role, PASSWORD)
        service.users.disable("off1")

        async def feed() -> None:
            for k in range(0, len(messages), 2000):
                await service.admission.accept(messages[k : k + 2000], "test:twin")
            await service.engine.processed(service.writer.last_seq)

        portal.call(feed)
        write_lists(options.data.root)  # checkpoints: the list the posts screen against
        app = create_app(service, settings)
        bind_officers(app)
        client = TestClient(app)
        client.portal = portal  # the app runs on the service's loop, as in `borderwatch run`
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_level="warning")
        )
        served = portal.start_task_soon(server.serve)
        deadline = time.monotonic() + 10
        while not server.started:
            assert not served.done(), "uvicorn stopped before it started"
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        try:
            yield Api(service, app, portal, client, f"http://127.0.0.1:{port}")
        finally:
            server.should_exit = True
            served.result(timeout=10)
