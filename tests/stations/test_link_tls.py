"""The stations' links are mutual TLS with the project's CA (`pki.py`), on the real servers:
the hub's leaf-node listener takes a station presenting a certificate our CA issued, and
refuses at the handshake a station without one and a station whose certificate another CA
issued (an attacker's leaf node on the link)."""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path

import pytest

from borderwatch import pki
from borderwatch.stations.servers import (
    LinkTls,
    NatsServer,
    ServerError,
    start_cluster,
    start_station_server,
)


def _leafs(hub: NatsServer) -> set[str]:
    with urllib.request.urlopen(f"{hub.monitor_url}/leafz", timeout=5) as r:
        return {leaf["name"] for leaf in json.loads(r.read()).get("leafs") or []}


def test_only_a_station_with_our_certificate_joins(tmp_path: Path) -> None:
    ours, theirs = tmp_path / "pki", tmp_path / "other-pki"
    pki.init_ca(ours)
    pki.issue(ours, "station-a", organisational_unit="station")  # as `stations up` issues it
    pki.issue_server(ours, "station-a")
    pki.init_ca(theirs)
    pki.issue(theirs, "station-b", organisational_unit="station")
    pki.issue_server(theirs, "station-b")
    with pytest.raises(ServerError, match="certs issue station-c"):
        start_station_server(
            "station-c", tmp_path / "s", "nats-leaf://127.0.0.1:9", tls=LinkTls(ours)
        )
    cluster = start_cluster(tmp_path / "cluster", tls=LinkTls(ours))
    hub = cluster.nodes[0]
    url = f"nats-leaf://127.0.0.1:{cluster.leaf_ports[0]}"
    servers = []
    try:
        servers.append(start_station_server("station-a", tmp_path / "s", url, tls=LinkTls(ours)))
        servers.append(start_station_server("station-p", tmp_path / "s", url, tls=None))
        servers.append(start_station_server("station-b", tmp_path / "s", url, tls=LinkTls(theirs)))
        deadline = time.monotonic() + 20
        while "station-a" not in _leafs(hub):
            assert time.monotonic() < deadline, "station-a never joined"
            time.sleep(0.2)
        time.sleep(2.5)  # the refused ones have retried (every second) meanwhile
        assert _leafs(hub) == {"station-a"}
        log = (hub.root / "nats.log").read_text()
        assert "TLS Handshake Failure" in log  # the hub says why it refused them
    finally:
        for s in servers:
            s.stop()
        cluster.stop()
