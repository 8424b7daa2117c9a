"""The distributed mode's commands: `borderwatch demo stations` and `borderwatch stations`
(`up`, `worker`, `list`).

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

    st = sub.add_parser("stations", help="the distributed mode: sector stations and the room")
    cmd = st.add_subparsers(dest="stations_command", required=True, parser_class=type(st))
    s = cmd.add_parser(
        "up",
        help="start the room's 3-node cluster, two stations and the room; the twin feeds them",
    )
    s.add_argument("--data", default="borderwatch-stations", help="where the servers keep data")
    s.add_argument("--twin", default="stations-pair", help="the twin's scenario")
    s.add_argument("--speed", type=_positive, default=1.0, help="the twin's speed (default 1)")
    s.add_argument("--seed", type=int, default=1, help="the twin's seed (default 1)")
    s.add_argument("--for", dest="for_s", type=_positive, help="stop after this many seconds")
    s.add_argument(
        "--workers",
        type=int,
        default=0,
        help="also run this many fusion workers, each a block of the sectors (default none)",
    )
    s.set_defaults(func=_cmd_stations_up)
    s = cmd.add_parser(
        "worker",
        help="a fusion worker: the room's picture of some sectors, published to PICTURE",
    )
    s.add_argument("--data", default="borderwatch-stations", help="the running system's data")
    s.add_argument(
        "--sectors",
        required=True,
        help="the sectors it owns, comma-separated (N02,N03); the system's sectors next to "
        "them must have their workers running too (a track they hand over takes its name "
        "from them)",
    )
    s.add_argument("--stream", default="PICTURE", help="the stream it publishes to")
    s.add_argument(
        "--until-idle",
        type=_positive,
        help="finish once BORDER has had nothing new for this many seconds (a finished run)",
    )
    s.set_defaults(func=_cmd_stations_worker)
    s = cmd.add_parser("list", help="each station: link, last heard, backlog, lag")
    s.add_argument("--data", default="borderwatch-stations", help="the running system's data")
    s.add_argument("--json", action="store_true", help="print one JSON object")
    s.set_defaults(func=_cmd_stations_list)


def _cmd_stations_up(args: argparse.Namespace) -> int:
    import logging

    from borderwatch.stations.live import run_live

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s")
    last = asyncio.run(
        run_live(
            Path(args.data), args.twin, args.speed, args.seed, args.for_s, workers=args.workers
        )
    )
    print(json.dumps({"stopped": last["stations"]}))
    return 0


def _cmd_stations_worker(args: argparse.Namespace) -> int:
    import logging

    from borderwatch.stations.workers import run_worker

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s")
    sectors = [s.strip() for s in args.sectors.split(",") if s.strip()]
    try:
        out = asyncio.run(run_worker(Path(args.data), sectors, args.stream, args.until_idle))
    except (ValueError, OSError) as exc:
        print(f"borderwatch stations worker: {exc}")
        return 2
    except KeyboardInterrupt:  # stopped (SIGINT: `stations up` stopping its workers)
        return 0
    print(json.dumps(out))
    return 0


def _cmd_stations_list(args: argparse.Namespace) -> int:
    from borderwatch.stations.live import list_stations

    out = list_stations(Path(args.data))
    if args.json:
        print(json.dumps(out))
        return 0
    stale = " (stale: the room is not writing)" if out["stale"] else ""
    print(f"health as of {out['health_age_s']} s ago{stale}")
    cols = (
        "station",
        "sectors",
        "link",
        "last_heard_s_ago",
        "backlog",
        "pending",
        "lag_s",
        "received",
    )
    print("  ".join(f"{c:>16}" for c in cols))
    for row in out["stations"]:
        cells = [",".join(v) if isinstance(v := row.get(c), list) else str(v) for c in cols]
        print("  ".join(f"{c:>16}" for c in cells))
    return 0


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
