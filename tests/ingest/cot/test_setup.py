"""Setting the adapter up: settings parsed with named errors, `check` binds the ports, the
manifest pins what is installed, `setup` exposes the bound ports and `close` ends it all."""

from __future__ import annotations

import json
import socket
from importlib import metadata
from pathlib import Path

import pytest

import borderwatch.ingest.cot
from borderwatch.errors import ConfigError
from borderwatch.ingest import CollectingSink, IngestStats
from borderwatch.ingest.cot import CotSettings, check, close, parse_settings, setup

from .helpers import run, settings

MANIFEST = Path(borderwatch.ingest.cot.__file__).parent / "manifest.json"


def test_defaults_are_tak_ports() -> None:
    s = CotSettings()
    assert (s.tcp_port, s.udp_port, s.tls_port) == (8087, 8087, 8089)
    assert s.max_message_bytes == 64 * 1024


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        ({"tcp_port": 70000}, "$.tcp_port"),
        ({"queue_size": 0}, "$.queue_size"),
        ({"max_message_bytes": 10}, "$.max_message_bytes"),
        ({"default_agency": ""}, "$.default_agency"),
        ({"tcp_prot": 8087}, "tcp_prot"),
    ],
    ids=["port", "queue", "size", "agency", "typo"],
)
def test_bad_settings_name_the_field(raw: dict[str, object], named: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings(raw)
    assert named in caught.value.reason
    assert caught.value.source == "ingest.cot"


def test_check_binds_and_reports_a_taken_port() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError) as caught:
            check(settings(tcp_port=port, udp_port=None))
        assert caught.value.source == "ingest.cot.tcp_port"
    check(settings(tcp_port=0, udp_port=0))


def test_manifest_pins_the_installed_takproto() -> None:
    manifest = json.loads(MANIFEST.read_text())
    assert manifest["domain"] == "cot"
    assert manifest["iot_class"] == "local_push"
    for requirement in manifest["requirements"] + manifest["test_requirements"]:
        name, version = requirement.split("==")
        assert metadata.version(name) == version, requirement


def test_setup_exposes_ports_and_close_is_idempotent() -> None:
    async def main() -> None:
        server = await setup(settings(), CollectingSink(), IngestStats())
        assert server.tcp_port
        assert server.udp_port
        assert server.tls_port is None
        await close(server)
        await close(server)

    run(main())


def test_tls_without_a_context_is_refused_at_setup() -> None:
    async def main() -> None:
        with pytest.raises(ValueError, match="ssl_context"):
            await setup(settings(tls_port=0), CollectingSink(), IngestStats())

    run(main())
