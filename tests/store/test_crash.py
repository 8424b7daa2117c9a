"""Crash safety: a process appending through LogWriter is SIGKILLed mid-stream; every batch
it had acknowledged is in the log afterwards, byte for byte, and the log opens and appends.

This is a crash of the process (the kernel keeps what was written). A power cut needs the
fsync that `synchronous=FULL` does at every commit, which no test here can cut the power on.
"""

from __future__ import annotations

import os
import select
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from borderwatch.messages import encode
from borderwatch.store import EventLog

from .crash_writer import batch

SCRIPT = Path(__file__).with_name("crash_writer.py")
ACKS_BEFORE_KILL = 300


def acknowledged_until_killed(log_path: Path) -> list[tuple[int, int, int, int]]:
    """Run the writer, read its acknowledgements, SIGKILL it; return the complete ack lines."""
    proc = subprocess.Popen(
        [sys.executable, str(SCRIPT), str(log_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    out = b""
    deadline = time.monotonic() + 60.0  # a guard against a hung child, not a measurement
    try:
        while out.count(b"\n") < ACKS_BEFORE_KILL:
            assert time.monotonic() < deadline, "the writer stopped acknowledging"
            ready, _, _ = select.select([proc.stdout], [], [], 1.0)
            if ready:
                chunk = os.read(proc.stdout.fileno(), 65536)
                assert chunk, f"the writer exited: {proc.stderr.read() if proc.stderr else ''!r}"
                out += chunk
        proc.send_signal(signal.SIGKILL)  # mid-stream: the writer is appending as fast as it can
        proc.wait(10)
        # What it printed between our last read and its death counts too.
        out += proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        if proc.stderr is not None:
            proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    lines = out.split(b"\n")[:-1]  # the last piece may be a line cut short
    return [(int(a), int(b), int(c), int(d)) for a, b, c, d in (line.split() for line in lines)]


def test_every_acknowledged_batch_survives_sigkill(log_path: Path) -> None:
    acks = acknowledged_until_killed(log_path)
    assert len(acks) >= ACKS_BEFORE_KILL
    # WAL recovery happens on open; the file is whole and still a log we can append to.
    db = sqlite3.connect(log_path)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    for task, number, first, stop in acks:
        rows = db.execute(
            "SELECT seq, source, payload FROM events WHERE seq >= ? AND seq < ? ORDER BY seq",
            (first, stop),
        ).fetchall()
        expected = batch(task, number)
        assert [r[0] for r in rows] == list(range(first, stop))
        assert {r[1] for r in rows} == {f"crash:{task}"}
        assert [r[2] for r in rows] == [encode(m).decode() for m in expected]
    db.close()
    with EventLog(log_path) as log:
        last = log.last_seq()
        assert last >= max(stop for *_, stop in acks) - 1
        assert log.count() == last  # no holes, even where the kill cut in
        assert [e.seq for e in log.read(after=last - 5)] == list(range(last - 4, last + 1))
        assert log.append(batch(99, 0), "after-crash", 0) == range(last + 1, last + 21)
