"""The web as a security team expects it (issue 15): security headers on every response, the
API docs from local files, HTTPS from our own CA (plain HTTP on localhost only), and a revoked
device certificate refused at its next handshake with its open connection dropped within 5 s."""

from __future__ import annotations

import asyncio
import contextlib
import io
import re
import shutil
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bench.service_ingest import start_service, stop_service
from borderwatch.cli import main
from borderwatch.pki import client_ssl_context
from tests.security.stack import PATROL, RADAR, detection, patrol, run, running, xml

PAGES = ["/", "/docs", "/openapi.json", "/api/v1/me", "/docs/init.js", "/no/such/page"]


def _check_headers(headers: httpx.Headers, *, tls: bool) -> None:
    csp = headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"  # no inline script, no eval, nobody else's
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe" not in csp
    assert not re.search(r"https?://", csp), csp  # no third-party origin
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert ("strict-transport-security" in headers) == tls


def test_every_response_carries_the_security_headers(tmp_path: Path, pki_dir: Path) -> None:
    async def look() -> None:
        async with running(tmp_path, pki_dir) as stack:
            for page in PAGES:
                r = await stack.http.get(page)
                _check_headers(r.headers, tls=False)
            r = await stack.http.post("/api/v1/token", data={"username": "x", "password": "y"})
            assert r.status_code == 401
            _check_headers(r.headers, tls=False)

    run(look())


def test_the_api_docs_come_from_local_files(tmp_path: Path, pki_dir: Path) -> None:
    async def look() -> None:
        async with running(tmp_path, pki_dir) as stack:
            page = (await stack.http.get("/docs")).text
            assert "cdn" not in page.lower()
            assert not re.search(r"(src|href)=\"(https?:)?//", page), page
            scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
            assert scripts
            assert all('src="/' in attrs and not body.strip() for attrs, body in scripts)
            for url in re.findall(r"(?:src|href)=\"(/[^\"]+)\"", page):
                r = await stack.http.get(url)
                assert r.status_code == 200, url

    run(look())


@pytest.mark.slow
def test_https_from_our_ca_and_plain_http_only_on_localhost(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert main(["certs", "init", "--data", str(data)]) == 0
    # Plain HTTP on another address is refused before anything listens.
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "borderwatch",
            "run",
            "--data",
            str(data),
            "--host",
            "0.0.0.0",
            "--http-tls",
            "off",
            "--http-port",
            "0",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode != 0
    assert "plain HTTP only on localhost" in out.stderr
    proc, ports = start_service(data, "--http-tls", "on")
    try:
        ca = ssl.create_default_context(cafile=str(data / "pki" / "ca.crt"))
        url = f"https://localhost:{ports['http']}"
        with httpx.Client(base_url=url, verify=ca, timeout=30) as https:
            r = https.get("/docs")
            assert r.status_code == 200
            _check_headers(r.headers, tls=True)
        with pytest.raises(httpx.HTTPError), httpx.Client(timeout=10) as http:
            http.get(f"http://localhost:{ports['http']}/docs")
    finally:
        stop_service(proc)


async def _hung_up(reader: asyncio.StreamReader, within: float) -> bool:
    try:
        async with asyncio.timeout(within):
            while await reader.read(4096):
                pass
    except TimeoutError:
        return False
    except (ConnectionError, ssl.SSLError):
        pass
    return True


def test_a_revoked_certificate_is_refused_and_its_connection_dropped(
    tmp_path: Path, pki_dir: Path
) -> None:
    data = tmp_path / "data"
    pki = data / "pki"
    shutil.copytree(pki_dir, pki)  # revoke in a copy: other tests keep the phone

    async def attack() -> None:
        async with running(data, pki) as stack:
            context = client_ssl_context(pki, PATROL)
            port = stack.server.tls_port
            reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context)
            writer.write(xml(patrol(1))[0])
            await stack.settle(lambda: stack.logged == 1)
            # The phone is stolen: the admin revokes it while it is connected.
            with contextlib.redirect_stdout(io.StringIO()):
                assert main(["certs", "revoke", PATROL, "--data", str(data)]) == 0
            t0 = time.monotonic()
            assert await _hung_up(reader, within=5.0)
            assert time.monotonic() - t0 < 5.0
            writer.close()
            # And it is refused when it comes back; the radar's certificate still works.
            reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context)
            writer.write(xml(patrol(2))[0])
            with contextlib.suppress(ConnectionError, ssl.SSLError):
                await writer.drain()
            assert await _hung_up(reader, within=5.0)
            writer.close()
            await stack.send_tcp(xml(detection(3)), tls_name=RADAR)
            await stack.settle(lambda: stack.logged == 2)
            stats = stack.service.stats.snapshot()["disconnects"]["cot.tls"]
            assert stats["revoked"] == 2

    run(attack())
