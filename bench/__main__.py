"""Run the benchmarks; print one JSON object per line; exit 1 if any bar fails.

python -m bench                      # everything, full size
python -m bench twin_simulate        # only the named ones
python -m bench --quick              # small sizes: checks they run, bars not judged
python -m bench console_browser --minutes 10   # the console's browser bar (default 2 min)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from bench import (
    adversary,
    alarm_load,
    anchor_sweep,
    baseline_scores,
    blind_coverage,
    chaos_run,
    checkpoint_chain,
    checkpoint_mrz,
    checkpoint_names,
    checkpoint_speed,
    console_browser,
    cot_out,
    dispatch_eta,
    engine_replay,
    eventlog,
    first_alert,
    ingest_cot,
    ingest_tls,
    memory_soak,
    oversight_report,
    service_ingest,
    service_latency,
    spoofing,
    stations,
    stonesoup_compare,
    twin_alerts,
    twin_live,
    twin_simulate,
)

# How long the console benchmark watches the browser (`--minutes`; 0.5 with --quick).
MINUTES = {"console_browser": 2.0}

BENCHMARKS: dict[str, Callable[[float | None], list[dict[str, Any]]]] = {
    "twin_simulate": lambda hours: [twin_simulate.run(hours=hours)],
    "baseline_scores": lambda hours: baseline_scores.run(hours=hours),
    "engine_replay": lambda hours: [engine_replay.run(hours=hours)],
    "stonesoup_compare": lambda hours: stonesoup_compare.run(quick=hours is not None),
    "anchor_sweep": lambda hours: anchor_sweep.run(quick=hours is not None, ss_budget_s=300.0),
    "twin_alerts": lambda hours: twin_alerts.run(hours=hours),
    "adversary": lambda hours: adversary.run(hours=hours),
    "eventlog": lambda hours: eventlog.run(quick=hours is not None),
    "ingest_cot": lambda hours: ingest_cot.run(quick=hours is not None),
    "service_ingest": lambda hours: service_ingest.run(quick=hours is not None),
    "ingest_tls": lambda hours: ingest_tls.run(quick=hours is not None),
    "spoofing": lambda hours: [spoofing.run(hours=hours)],
    "memory_soak": lambda hours: [memory_soak.run(minutes=2.0 if hours is not None else 60.0)],
    "service_latency": lambda hours: service_latency.run(quick=hours is not None),
    "twin_live": lambda hours: [twin_live.run(quick=hours is not None)],
    "chaos_run": lambda hours: [chaos_run.run(minutes=1.0 if hours is not None else 30.0)],
    "first_alert": lambda hours: [first_alert.run(quick=hours is not None)],
    "dispatch_eta": lambda hours: [dispatch_eta.run(quick=hours is not None)],
    "blind_coverage": lambda hours: [blind_coverage.run(quick=hours is not None)],
    "checkpoint_names": lambda hours: checkpoint_names.run(quick=hours is not None),
    "checkpoint_speed": lambda hours: checkpoint_speed.run(quick=hours is not None),
    "checkpoint_mrz": lambda hours: checkpoint_mrz.run(quick=hours is not None),
    "checkpoint_chain": lambda hours: checkpoint_chain.run(quick=hours is not None),
    "alarm_load": lambda hours: [alarm_load.run(hours=hours)],
    "cot_out": lambda hours: cot_out.run(quick=hours is not None),
    "stations": lambda hours: stations.run(quick=hours is not None),
    "oversight_report": lambda hours: [oversight_report.run(hours=hours)],
    "console_browser": lambda hours: [
        console_browser.run(minutes=0.5 if hours is not None else MINUTES["console_browser"])
    ],
}


def main() -> int:
    """Run the benchmarks."""
    p = argparse.ArgumentParser(prog="python -m bench")
    p.add_argument("names", nargs="*", help=f"any of {', '.join(BENCHMARKS)} (default: all)")
    p.add_argument("--quick", action="store_true", help="small sizes: checks they run")
    p.add_argument("--minutes", type=float, help="console_browser: minutes to watch (bar: 10)")
    args = p.parse_args()
    if args.minutes is not None:
        MINUTES["console_browser"] = args.minutes
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        p.error(f"unknown benchmark(s) {unknown}; known: {list(BENCHMARKS)}")
    hours = 1.0 if args.quick else None
    failed = False
    for name in args.names or list(BENCHMARKS):
        for r in BENCHMARKS[name](hours):
            print(json.dumps(r), flush=True)
            failed |= any(v is False for v in r["bars"].values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
