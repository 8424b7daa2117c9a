"""The distributed mode's commands: `borderwatch demo stations` and `borderwatch stations`.

Kept here so the command line (`cli.py`) only hands over its subparsers; the NATS client and
the engine are imported when a command runs, not when `borderwatch --help` does.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

__all__ = ["add_commands"]


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: seconds must be >= 0")
    return value


def _positive(text: str) -> float:
    value = _seconds(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be > 0")
    return value


def add_commands(sub: Any) -> None:
    """Add `demo stations` and `stations` to the command line's subparsers."""
    demo = sub.add_parser("demo", help="demonstrations that run the whole system with numbers")
    cmd = demo.add_subparsers(dest="demo_command", required=True, parser_class=type(demo))
    s = cmd.add_parser(
        "stations",
        help="the twin through two sector stations and a 3-node cluster; cut a link, kill a node",
    )
    s.add_argument(
        "--cut",
        type=_seconds,
        default=600.0,
        help="cut station-a's link this long (s of event time)",
    )
    s.add_argument(
        "--cut-at",
        type=_seconds,
        default=600.0,
        help="when the cut begins (s of event time from the start)",
    )
    s.add_argument(
        "--scenario", default="stations-pair", help="a two-sector scenario (default stations-pair)"
    )
    s.add_argument("--seed", type=int, default=1, help="the twin's seed (default 1)")
    s.add_argument("--hours", type=_positive, help="run only this many hours of the scenario")
    s.add_argument("--no-kill", action="store_true", help="do not kill a cluster node")
    s.add_argument("--dir", help="keep the servers' data here (default: a temporary directory)")
    s.add_argument("--json", action="store_true", help="print one JSON object")
    s.set_defaults(func=_cmd_demo_stations)


def _cmd_demo_stations(args: argparse.Namespace) -> int:
    from borderwatch.stations.demo import DemoOptions, run_demo

    opts = DemoOptions(
        scenario=args.scenario,
        seed=args.seed,
        hours=args.hours,
        cut_at_s=args.cut_at,
        cut_s=args.cut,
        kill_node=not args.no_kill,
        root=Path(args.dir) if args.dir else None,
    )
    out = asyncio.run(run_demo(opts))
    if args.json:
        print(json.dumps(out))
    else:
        print(json.dumps(out, indent=1))
    ok = out["lost"] == 0 and out["duplicates"] == 0 and out["picture_equal"]
    return 0 if ok else 1
