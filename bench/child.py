"""Run `borderwatch ...` in a child process, as a user would, and measure it: wall time and the
child's own peak RSS (read by the child at exit, RUSAGE_SELF, so each run's figure is its own
and not the maximum over every child this process has waited for)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

__all__ = ["run_cli"]

CHILD = (
    "import resource, sys, json\n"
    "from borderwatch.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
    "print(json.dumps({'peak_rss_mb': rss}), file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def run_cli(*args: str, code: str | None = None) -> tuple[str, float, float]:
    """`borderwatch ARGS` in a child: (its stdout, wall s, its peak RSS in MB). `code`: run
    the borderwatch package found in this directory instead (another checkout, to compare)."""
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
    rss = float(json.loads(done.stderr.strip().splitlines()[-1])["peak_rss_mb"])
    return done.stdout, wall, rss
