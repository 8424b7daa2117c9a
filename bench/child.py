"""Run `borderwatch ...` in a child process, as a user would, and measure it: wall time and the
child's own peak RSS and CPU time (read by the child at exit, RUSAGE_SELF, so each run's
figures are its own and not the maximum or sum over every child this process has waited
for). On a shared machine the CPU time says what the wall time would be with a core to
itself (the child is single-threaded but for short waits)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass

__all__ = ["ChildRun", "run_child", "run_cli"]

CHILD = (
    "import resource, sys, json\n"
    "from borderwatch.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "use = resource.getrusage(resource.RUSAGE_SELF)\n"
    "rss = use.ru_maxrss / 1024\n"
    "print(json.dumps({'peak_rss_mb': rss, 'cpu_s': use.ru_utime + use.ru_stime}),"
    " file=sys.stderr)\n"
    "sys.exit(code)\n"
)


@dataclass(frozen=True, slots=True)
class ChildRun:
    """What one `borderwatch` child did: its stdout, wall s, peak RSS MB, user+system CPU s."""

    out: str
    wall_s: float
    peak_rss_mb: float
    cpu_s: float


def run_child(*args: str, code: str | None = None) -> ChildRun:
    """`borderwatch ARGS` in a child, measured. `code`: run the borderwatch package found in
    this directory instead (another checkout, to compare)."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    if code is not None:
        env["PYTHONPATH"] = code
    t = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *args],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=code,
    )
    wall = time.perf_counter() - t
    usage = json.loads(done.stderr.strip().splitlines()[-1])
    return ChildRun(done.stdout, wall, float(usage["peak_rss_mb"]), float(usage["cpu_s"]))


def run_cli(*args: str, code: str | None = None) -> tuple[str, float, float]:
    """`borderwatch ARGS` in a child: (its stdout, wall s, its peak RSS in MB); see
    `run_child`."""
    run = run_child(*args, code=code)
    return run.out, run.wall_s, run.peak_rss_mb
