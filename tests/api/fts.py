"""FreeTAKServer as a partner's TAK server, for tests: started from its own virtual
environment (`make fts` makes `.venv-fts`) by `tools/fts_peer.py` on 127.0.0.1, on a block of
free ports, in a process group of its own that the test ends."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FTS_PYTHON = Path(os.environ.get("BORDERWATCH_FTS_PYTHON", ROOT / ".venv-fts" / "bin" / "python"))
PORTS = 11  # CoT, CoT over TLS, REST, data packages x2, federation, ZeroMQ routing x5


@dataclass(frozen=True)
class Fts:
    """A running FreeTAKServer: its ports and its certificates (`certs/ca.pem`, the client
    certificate it issued `certs/Client.pem` and `.key`)."""

    root: Path
    base_port: int

    @property
    def tcp_port(self) -> int:
        return self.base_port

    @property
    def tls_port(self) -> int:
        return self.base_port + 1

    @property
    def certs(self) -> Path:
        return self.root / "certs"


def _free_block() -> int:
    """A first port of `PORTS` consecutive ports free on 127.0.0.1 now."""
    for _ in range(200):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base: int = s.getsockname()[1]
        if base + PORTS > 65535:
            continue
        socks = []
        try:
            for port in range(base, base + PORTS):
                sock = socket.socket()
                socks.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in socks:
                sock.close()
    raise RuntimeError("no block of free ports on 127.0.0.1")


def _listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
        return True
    return False


@contextlib.contextmanager
def running_fts(root: Path, timeout_s: float = 90.0) -> Iterator[Fts]:
    """FreeTAKServer on 127.0.0.1 until the block ends. Skips if `.venv-fts` is missing,
    unless `BORDERWATCH_REQUIRE_FTS` is set (`make test` sets it: there it must run)."""
    if not FTS_PYTHON.exists():
        reason = f"FreeTAKServer is not installed ({FTS_PYTHON}): `make fts` installs it"
        if os.environ.get("BORDERWATCH_REQUIRE_FTS"):
            pytest.fail(reason)
        pytest.skip(reason)
    base = _free_block()
    log = (root / "fts.log").open("wb")
    proc = subprocess.Popen(
        [str(FTS_PYTHON), str(ROOT / "tools" / "fts_peer.py"), str(root), "--base-port", str(base)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: it forks its services
    )
    fts = Fts(root, base)
    try:
        deadline = time.monotonic() + timeout_s
        while not (_listening(fts.tcp_port) and _listening(fts.tls_port)):
            if proc.poll() is not None or time.monotonic() > deadline:
                tail = (root / "fts.log").read_text(errors="replace")[-3000:]
                pytest.fail(f"FreeTAKServer did not start (exit {proc.poll()}):\n{tail}")
            time.sleep(0.2)
        yield fts
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        # It keeps nothing we need: a short grace, then the whole group goes (it takes ~10 s
        # to stop on its own, which a test need not wait for).
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=2)
        with contextlib.suppress(ProcessLookupError):  # its services, if any outlived it
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        log.close()
