"""The one entry point: `borderwatch run | scenarios | simulate | replay | eval | track-csv |
schema | users | certs | quarantine`.

Every user mistake (a bad argument, a bad scenario file, a missing run directory) ends in one
line naming what is wrong and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import secrets
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from borderwatch import __version__
from borderwatch.errors import BorderwatchError, DataError

if TYPE_CHECKING:
    from borderwatch.accounts import DataDir

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value <= 24 * 14:
        raise argparse.ArgumentTypeError(f"must be > 0 and <= 336 hours, got {text}")
    return value


def _trim_every(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (value == 0 or 1 <= value <= 86_400):
        raise argparse.ArgumentTypeError(f"must be 0 (never) or 1-86400 s, got {text}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return value


def _cmd_scenarios(args: argparse.Namespace) -> int:
    from borderwatch.twin import library, load_scenario

    for name, path in library().items():
        scenario, _ = load_scenario(path)
        print(f"{name:18s} {scenario.hours:5.1f} h  {scenario.description}")
    return 0


def _cmd_simulate(args: argparse.Namespace) -> int:
    from borderwatch.twin import load_scenario, simulate

    scenario, path = load_scenario(args.scenario)
    if args.plot and Path(args.plot).suffix.lower() != ".png":
        raise BorderwatchError(f"--plot: {args.plot}: the picture must be a .png file")
    summary = simulate(scenario, path, args.seed, Path(args.out), hours=args.hours)
    print(
        f"wrote {summary.out_dir}: {summary.total_messages} messages "
        f"({', '.join(f'{k} {v}' for k, v in summary.messages.items())}), "
        f"{sum(summary.movers.values())} movers, {summary.crossings} crossings "
        f"({summary.hostile_crossings} hostile inbound)"
    )
    if args.plot:
        from borderwatch.twin.plot import plot_run

        plot_run(Path(args.out), Path(args.plot))
        print(f"wrote {args.plot}")
    return 0


def _cmd_eval(args: argparse.Namespace) -> int:
    from borderwatch.eval import evaluate, format_report

    result = evaluate(
        Path(args.run_dir),
        Path(args.alerts) if args.alerts else None,
        Path(args.tracks) if args.tracks else None,
        Path(args.sites) if args.sites else None,
    )
    print(
        json.dumps(result, indent=None if args.json else 1) if args.json else format_report(result)
    )
    return 0


def _cmd_replay(args: argparse.Namespace) -> int:
    from borderwatch.engine import load_config

    config = load_config(args.config)
    if args.data:
        from borderwatch.engine.replay import replay_log
        from borderwatch.geo import load_sites
        from borderwatch.geo.registry import Registry
        from borderwatch.store.quarantine import Quarantine

        data = _data_dir(args)
        if args.run_dir or not args.out:
            raise BorderwatchError("replay --data DIR takes no run directory and needs --out")
        layout = load_sites(Path(args.sites) if args.sites else None)
        if args.sectors:
            layout = layout.in_sectors({s for s in args.sectors.split(",") if s})
        skip: frozenset[int] = frozenset()
        if (data.root / "quarantine.sqlite").exists():
            with Quarantine(data.root / "quarantine.sqlite") as q:
                skip = q.held()
        summary = replay_log(
            data.root / "events.sqlite",
            Path(args.out),
            Registry.from_layout(layout),
            config,
            skip,
        )
    else:
        from borderwatch.engine.replay import replay_run

        if not args.run_dir:
            raise BorderwatchError("replay needs a run directory, or --data DIR --out DIR")
        summary = replay_run(
            Path(args.run_dir),
            Path(args.out or args.run_dir),
            Path(args.sites) if args.sites else None,
            config,
        )
    print(json.dumps(summary))
    return 0


def _cmd_quarantine(args: argparse.Namespace) -> int:
    import datetime as dt

    from borderwatch.store.quarantine import Quarantine

    data = _data_dir(args)
    path = data.root / "quarantine.sqlite"
    if not path.exists():
        raise BorderwatchError(f"{data.root}: no quarantine (no event has ever been held)")

    def when(ns: int) -> str:
        return dt.datetime.fromtimestamp(ns / 1e9, dt.UTC).isoformat(timespec="seconds")

    with Quarantine(path) as q:
        if args.quarantine_command == "list":
            for e in q.list():
                state = f"released by {e.released_by}" if e.released_ns else "held"
                print(f"{e.seq:>10}  {when(e.at_ns)}  {state:24s}  {e.error}")
            return 0
        event = q.get(args.seq)
        if event is None:
            raise BorderwatchError(f"event {args.seq} is not in the quarantine")
        if args.quarantine_command == "show":
            print(json.dumps(_quarantined(data, event.seq, when(event.at_ns)), indent=1))
            print(event.traceback)
            return 0
        from borderwatch.messages import OperatorAction
        from borderwatch.store import EventLog

        user = args.user or getpass.getuser()
        if not q.release(args.seq, user):
            raise BorderwatchError(f"event {args.seq} was released already")
        # The release is an operator action in the log: attributable, in the audit trail.
        with EventLog(data.root / "events.sqlite") as log:
            action = OperatorAction(
                id=f"A{secrets.token_hex(10)}",
                user=user,
                agency="admin",
                role="admin",
                time_ns=time.time_ns(),
                action="quarantine_release",
                target=str(args.seq),
                params={"error": event.error[:200]},
            )
            log.append([action], f"cli:{user}", time.time_ns())
        print(f"released event {args.seq}: the engine takes it in again at its next start")
    return 0


def _quarantined(data: DataDir, seq: int, at: str) -> dict[str, Any]:
    from borderwatch.messages import encode
    from borderwatch.store import EventLog

    with EventLog(data.root / "events.sqlite") as log:
        event = next(iter(log.read(after=seq - 1, limit=1)), None)
    if event is None or event.seq != seq:
        return {"seq": seq, "quarantined": at, "message": None}
    return {
        "seq": seq,
        "quarantined": at,
        "source": event.source,
        "arrived_ns": event.arrived_ns,
        "message": json.loads(encode(event.message)),
    }


def _cmd_track_csv(args: argparse.Namespace) -> int:
    from borderwatch.eval.radar_csv import track_scenario

    with open(args.out, "w", encoding="utf-8", newline="") as f:
        rows = track_scenario(Path(args.scenario_dir), f)
    print(f"wrote {args.out}: {rows} track rows")
    return 0


def _cmd_schema(args: argparse.Namespace) -> int:
    from borderwatch.messages import schema

    print(json.dumps(schema(), indent=1))
    return 0


def _data_dir(args: argparse.Namespace) -> DataDir:
    from borderwatch.accounts import DataDir

    return DataDir(Path(args.data)) if args.data else DataDir()


def _new_password(args: argparse.Namespace, name: str) -> str:
    """The new password: one line of standard input, or typed twice at a prompt."""
    from borderwatch.accounts import check_password

    if args.password_stdin:
        password = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
        if not password:
            raise BorderwatchError("--password-stdin: no password on standard input")
    else:
        password = getpass.getpass(f"new password for {name}: ")
        if getpass.getpass("the same again: ") != password:
            raise BorderwatchError("the two passwords differ; nothing changed")
    check_password(name, password)
    return password


def _cmd_users_add(args: argparse.Namespace) -> int:
    from borderwatch.accounts import (
        DuplicateUserError,
        UnknownUserError,
        UserStore,
        check_account,
        check_name,
    )

    # Everything that can be checked is checked before anyone types a password.
    name = check_name(args.name)
    check_account(args.role, args.agency)
    data = _data_dir(args)
    if data.accounts.exists():
        with UserStore(data.accounts, create=False) as store:
            try:
                taken = store.get(name)
            except UnknownUserError:
                pass
            else:
                raise DuplicateUserError("name", f"a user {taken.name!r} already exists")
    password = _new_password(args, name)
    with UserStore(data.create().accounts) as store:
        user = store.add(name, args.agency, args.role, password)
    print(f"added {user.name}: {user.role}, {user.agency} ({data.accounts})")
    return 0


def _cmd_users_list(args: argparse.Namespace) -> int:
    from borderwatch.accounts import UserStore

    with UserStore(_data_dir(args).accounts, create=False) as store:
        users = store.list()
    for user in users:
        state = "disabled" if user.disabled else "enabled"
        print(f"{user.name:24s} {user.agency:16s} {user.role:10s} {state}")
    if not users:
        print("no users")
    return 0


def _cmd_users_disable(args: argparse.Namespace) -> int:
    from borderwatch.accounts import UserStore

    with UserStore(_data_dir(args).accounts, create=False) as store:
        user = store.disable(args.name)
    print(f"disabled {user.name}: no logins, and their sessions end")
    return 0


def _cmd_users_enable(args: argparse.Namespace) -> int:
    from borderwatch.accounts import UserStore

    with UserStore(_data_dir(args).accounts, create=False) as store:
        user = store.enable(args.name)
    print(f"enabled {user.name}")
    return 0


def _cmd_audit_verify(args: argparse.Namespace) -> int:
    import sqlite3

    import msgspec

    from borderwatch.store.chain import load_public, verify

    data = _data_dir(args)
    path = data.root / "events.sqlite"
    key_path = Path(args.key) if args.key else data.root / "audit.pub"
    if not path.exists():
        raise DataError(f"{path}: no event log")
    public = load_public(key_path) if key_path.exists() else None
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        (version,) = db.execute("PRAGMA user_version").fetchone()
        if version < 2:
            raise DataError(f"{path}: log schema {version} has no chain (start the service once)")
        report = verify(db, public)
    finally:
        db.close()
    if args.json:
        print(msgspec.json.encode(report).decode())
    elif report.intact:
        print(
            f"intact: {report.rows} audit rows, {report.checkpoints} signed checkpoints "
            f"(last at seq {report.last_signed_seq})"
            + ("" if public else f"; no public key at {key_path}: signatures not checked")
        )
    else:
        for f in report.findings:
            print(f"seq {f.seq}: {f.what}: {f.detail}")
    return 0 if report.intact else 1


def _cmd_users_revoke(args: argparse.Namespace) -> int:
    from borderwatch.accounts import UserStore

    with UserStore(_data_dir(args).accounts, create=False) as store:
        user = store.revoke(args.name)
    print(f"revoked every session of {user.name}: their tokens and open streams end")
    return 0


def _cmd_users_role(args: argparse.Namespace) -> int:
    from borderwatch.accounts import UserStore

    with UserStore(_data_dir(args).accounts, create=False) as store:
        user = store.set_role(args.name, args.role)
    print(f"{user.name} is now {user.role}; their sessions end")
    return 0


def _cmd_users_passwd(args: argparse.Namespace) -> int:
    from borderwatch.accounts import UserStore

    with UserStore(_data_dir(args).accounts, create=False) as store:
        user = store.get(args.name)
        store.set_password(user.name, _new_password(args, user.name))
    print(f"password changed for {user.name}; their sessions end")
    return 0


def _cmd_users_roles(args: argparse.Namespace) -> int:
    from borderwatch.accounts import render_table

    print(render_table())
    return 0


def _cmd_certs_init(args: argparse.Namespace) -> int:
    from borderwatch.pki import init_ca

    data = _data_dir(args)
    ca = init_ca(data.pki, hosts=args.host)
    print(f"wrote the CA {ca} and the server certificate {data.pki / 'server.crt'}")
    print(f"sensors and devices trust {ca}; issue each one with `borderwatch certs issue NAME`")
    return 0


def _cmd_certs_issue(args: argparse.Namespace) -> int:
    from borderwatch.accounts import check_agency
    from borderwatch.pki import issue

    if args.agency is not None:
        check_agency(args.agency)
    # Random, shown once, stored nowhere: whoever loads the phone types it in.
    password = secrets.token_urlsafe(12)
    cert, key = issue(
        _data_dir(args).pki, args.name, organisational_unit=args.agency, p12_password=password
    )
    print(f"wrote {cert} and {key}")
    print(f"ATAK bundle {cert.with_suffix('.p12')}, password: {password} (shown only now)")
    return 0


def _cmd_certs_revoke(args: argparse.Namespace) -> int:
    from borderwatch.revocation import CRL_FILE, revoke

    pki = _data_dir(args).pki
    serial = revoke(pki, args.name)
    print(f"revoked {args.name} (serial {serial:x}) in {pki / CRL_FILE}:")
    print("  refused at its next handshake; a running server drops its connections within 5 s")
    return 0


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be 0-65535 (0: any free port), got {text}")
    return value


def _speed(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value <= 1000:
        raise argparse.ArgumentTypeError(f"must be > 0 and <= 1000, got {text}")
    return value


def _names(text: str | None) -> tuple[str, ...]:
    return tuple(n for n in (text or "").split(",") if n)


def _cmd_run(args: argparse.Namespace) -> int:
    from borderwatch.engine import load_config
    from borderwatch.ingest.cot import CotSettings
    from borderwatch.run import RunOptions
    from borderwatch.run import main as run_main
    from borderwatch.service import ServiceOptions

    if args.twin:
        from borderwatch.twin import load_scenario

        load_scenario(args.twin)  # a bad name or file: one line now, not a dead twin later
    sectors = tuple(s for s in args.sectors.split(",") if s) if args.sectors else None
    http_tls = _http_tls(args)
    options = RunOptions(
        service=ServiceOptions(
            data=_data_dir(args),
            sites=Path(args.sites) if args.sites else None,
            sectors=sectors,
            config=load_config(args.config),
            # The twin speaks for every sensor and patrol on the plain port, from this machine.
            plain_sensors=("*",) if args.twin else _names(args.plain_sensors),
            loopback_patrols=bool(args.twin),
            heap_trim_every_s=args.heap_trim_s or None,
        ),
        host=args.host,
        http_port=args.http_port,
        cot=CotSettings(
            host=args.host,
            plain_host=args.plain_host,
            tcp_port=args.cot_port,
            udp_port=args.udp_port,
            tls_port=args.tls_port,
        ),
        twin=args.twin,
        twin_speed=args.speed,
        twin_seed=args.seed,
        twin_from_start=args.from_start,
        announce=args.ready_json,
        http_tls=http_tls,
        stations=Path(args.stations) if args.stations else None,
    )
    return run_main(options)


def _http_tls(args: argparse.Namespace) -> bool:
    """HTTPS or not: `auto` is HTTPS unless the API listens on this machine only; plain HTTP
    anywhere else is refused, and HTTPS needs the CA's server certificate."""
    import ipaddress

    from borderwatch.errors import ConfigError

    try:
        local = args.host == "localhost" or ipaddress.ip_address(args.host).is_loopback
    except ValueError:
        local = False
    tls = args.http_tls == "on" or (args.http_tls == "auto" and not local)
    if not tls and not local:
        raise ConfigError(
            "--http-tls", f"plain HTTP only on localhost, not on {args.host} (use on or auto)"
        )
    pki = _data_dir(args).pki
    if tls and not (pki / "server.crt").exists():
        raise ConfigError(
            "--http-tls", f"HTTPS needs {pki / 'server.crt'}: run `borderwatch certs init`"
        )
    return tls


def build_parser() -> argparse.ArgumentParser:
    """The command-line grammar."""
    p = _Parser(prog="borderwatch", description="Open electronic monitoring for a land border.")
    p.add_argument("--version", action="version", version=f"borderwatch {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    s = sub.add_parser("scenarios", help="list the scenario library")
    s.set_defaults(func=_cmd_scenarios)

    s = sub.add_parser("simulate", help="run the digital twin on a scenario")
    s.add_argument("scenario", help="a library name (see `borderwatch scenarios`) or a .toml file")
    s.add_argument("--seed", type=_seed, default=1, help="random seed (default 1)")
    s.add_argument("--hours", type=_positive_float, help="simulate only this many hours")
    s.add_argument("--out", required=True, help="directory for messages, truth and scenario")
    s.add_argument("--plot", help="also draw the run to this PNG file")
    s.set_defaults(func=_cmd_simulate)

    s = sub.add_parser("eval", help="score alerts (and tracks) against a run's ground truth")
    s.add_argument("run_dir", help="a directory written by `borderwatch simulate`")
    s.add_argument("--alerts", help="alerts.jsonl to score (default: the line-sensor baseline)")
    s.add_argument("--tracks", help="tracks.jsonl to score with GOSPA")
    s.add_argument("--sites", help="the site layout the run used, if not the default")
    s.add_argument("--json", action="store_true", help="print one JSON object")
    s.set_defaults(func=_cmd_eval)

    s = sub.add_parser(
        "replay", help="run the engine over a run's messages.jsonl, or a service's event log"
    )
    s.add_argument("run_dir", nargs="?", help="a directory written by `borderwatch simulate`")
    s.add_argument(
        "--data",
        help="replay this data directory's event log instead, as the live engine took it",
    )
    s.add_argument(
        "--out",
        help="where to write tracks.jsonl, alerts.jsonl, incidents.jsonl (default: the run dir)",
    )
    s.add_argument("--sites", help="the site layout the run used, if not the default")
    s.add_argument("--sectors", help="with --data: the sectors the service watched")
    _config_option(s)
    s.set_defaults(func=_cmd_replay)

    s = sub.add_parser(
        "track-csv", help="run the tracker alone on a radar anchor scenario (CSV in, CSV out)"
    )
    s.add_argument("scenario_dir", help="meta.json + detections.csv (radar_bench.py generate)")
    s.add_argument("--out", required=True, help="tracks CSV: scan,track_id,x,y")
    s.set_defaults(func=_cmd_track_csv)

    s = sub.add_parser("run", help="run the whole system: ingest, event log, engine, API")
    _data_option(s)
    s.add_argument("--host", default="127.0.0.1", help="where to listen (default 127.0.0.1)")
    s.add_argument("--http-port", type=_port, default=8000, help="API and console (8000)")
    s.add_argument("--cot-port", type=_port, default=8087, help="CoT/TAK over TCP (8087)")
    s.add_argument("--udp-port", type=_port, default=8087, help="CoT/TAK over UDP (8087)")
    s.add_argument("--tls-port", type=_port, default=8089, help="CoT/TAK over mutual TLS (8089)")
    s.add_argument(
        "--http-tls",
        choices=("auto", "on", "off"),
        default="auto",
        help="HTTPS for the console and API with the CA's server certificate: auto (default) "
        "is on unless --host is a loopback address; off is refused on any other host",
    )
    s.add_argument(
        "--plain-host",
        default="127.0.0.1",
        help="where the unauthenticated CoT ports listen (default 127.0.0.1: this machine only)",
    )
    s.add_argument("--twin", help="feed the system from the digital twin on this scenario")
    s.add_argument("--speed", type=_speed, default=1.0, help="the twin's speed (default 1x)")
    s.add_argument("--seed", type=_seed, default=1, help="the twin's random seed (default 1)")
    s.add_argument(
        "--from-start",
        action="store_true",
        help="the twin's day from its real start (default: a minute before its first crossing "
        "group can raise an alert, so the first intrusion alert comes within two minutes)",
    )
    s.add_argument("--sectors", help="watch only these sectors, comma-separated (default all)")
    s.add_argument("--sites", help="the site layout, if not the default")
    _config_option(s)
    s.add_argument(
        "--plain-sensors",
        help="sensor ids the unauthenticated CoT ports may carry, comma-separated ('*': all); "
        "default none (see DATA/identity.toml and docs/security.md)",
    )
    s.add_argument(
        "--ready-json", action="store_true", help="print the bound ports as one JSON line"
    )
    s.add_argument(
        "--heap-trim-s",
        type=_trim_every,
        default=60.0,
        help="give the C heap's free pages back to the system every this many seconds "
        "(0: never); default 60",
    )
    s.add_argument(
        "--stations",
        help="the distributed mode's directory (`stations up --data`): GET /api/v1/stations "
        "and the console show its stations' health",
    )
    s.set_defaults(func=_cmd_run)

    s = sub.add_parser("schema", help="print the JSON Schema of every wire message")
    s.set_defaults(func=_cmd_schema)

    _add_users(sub)
    _add_certs(sub)
    _add_quarantine(sub)
    audit = sub.add_parser("audit", help="the audit trail")
    cmd = audit.add_subparsers(dest="audit_command", required=True, parser_class=_Parser)
    s = cmd.add_parser("verify", help="check the audit trail's hash chain and signed checkpoints")
    _data_option(s)
    s.add_argument("--key", help="the public checkpoint key (default DATA/audit.pub)")
    s.add_argument("--json", action="store_true", help="print the report as one JSON object")
    s.set_defaults(func=_cmd_audit_verify)
    _add_checkpoint(sub)
    _add_stations(sub)  # the distributed mode (issue 18): borderwatch/stations/commands.py
    _add_report(sub)
    return p


def _add_stations(sub: Any) -> None:
    from borderwatch.stations.commands import add_commands

    add_commands(sub)


def _config_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--config", help="the engine's settings TOML (default: borderwatch/engine/default.toml)"
    )


def _add_quarantine(sub: argparse._SubParsersAction[Any]) -> None:
    q = sub.add_parser("quarantine", help="events the engine failed on, held out of the picture")
    cmd = q.add_subparsers(dest="quarantine_command", required=True, parser_class=_Parser)
    s = cmd.add_parser("list", help="every quarantined event: seq, when, held or released, why")
    _data_option(s)
    s.set_defaults(func=_cmd_quarantine)
    s = cmd.add_parser("show", help="one quarantined event: the message and the traceback")
    s.add_argument("seq", type=int, help="the event's seq in the log")
    _data_option(s)
    s.set_defaults(func=_cmd_quarantine)
    s = cmd.add_parser(
        "release", help="take the event in again at the engine's next start (audited)"
    )
    s.add_argument("seq", type=int, help="the event's seq in the log")
    s.add_argument("--user", help="who releases it (default: the login name)")
    _data_option(s)
    s.set_defaults(func=_cmd_quarantine)


def _data_option(p: argparse.ArgumentParser) -> None:
    # No default here: DataDir has it, and importing accounts for it would slow every command.
    p.add_argument("--data", help="the service's data directory (default ./borderwatch-data)")


def _password_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input instead of a prompt",
    )


def _add_users(sub: argparse._SubParsersAction[Any]) -> None:
    users = sub.add_parser("users", help="manage accounts (users, agencies, roles)")
    cmd = users.add_subparsers(dest="users_command", required=True, parser_class=_Parser)
    s = cmd.add_parser("add", help="add an account")
    s.add_argument("name", help="user name: letters, digits, _ . : / -")
    s.add_argument(
        "--agency",
        required=True,
        help="army, national_guard, customs, or partner:<iso2> (e.g. partner:dz)",
    )
    s.add_argument("--role", required=True, help="a role from `borderwatch users roles`")
    _password_option(s)
    _data_option(s)
    s.set_defaults(func=_cmd_users_add)
    s = cmd.add_parser("list", help="list the accounts")
    _data_option(s)
    s.set_defaults(func=_cmd_users_list)
    for verb, func, text in [
        ("disable", _cmd_users_disable, "refuse an account's logins and end its sessions"),
        ("enable", _cmd_users_enable, "let a disabled account log in again"),
        ("revoke", _cmd_users_revoke, "end every session (token) of an account"),
    ]:
        s = cmd.add_parser(verb, help=text)
        s.add_argument("name")
        _data_option(s)
        s.set_defaults(func=func)
    s = cmd.add_parser("role", help="give an account another role (ends its sessions)")
    s.add_argument("name")
    s.add_argument("role", help="a role from `borderwatch users roles`")
    _data_option(s)
    s.set_defaults(func=_cmd_users_role)
    s = cmd.add_parser("passwd", help="set an account's password (ends its sessions)")
    s.add_argument("name")
    _password_option(s)
    _data_option(s)
    s.set_defaults(func=_cmd_users_passwd)
    s = cmd.add_parser("roles", help="print what each role may do")
    s.set_defaults(func=_cmd_users_roles)


def _add_certs(sub: argparse._SubParsersAction[Any]) -> None:
    certs = sub.add_parser("certs", help="borderwatch's certificate authority (CoT over TLS)")
    cmd = certs.add_subparsers(dest="certs_command", required=True, parser_class=_Parser)
    s = cmd.add_parser("init", help="make the CA and the server certificate")
    s.add_argument(
        "--host",
        action="append",
        default=[],
        help="another name or address the server is reached at (repeatable)",
    )
    _data_option(s)
    s.set_defaults(func=_cmd_certs_init)
    s = cmd.add_parser("issue", help="a client certificate for a sensor or an ATAK device")
    s.add_argument("name", help="the sensor or device (the certificate's CN)")
    s.add_argument("--agency", help="its agency (the certificate's OU)")
    _data_option(s)
    s.set_defaults(func=_cmd_certs_issue)
    s = cmd.add_parser(
        "revoke", help="revoke a client certificate: refused, and its connections dropped"
    )
    s.add_argument("name", help="the sensor or device (the certificate's CN)")
    _data_option(s)
    s.set_defaults(func=_cmd_certs_revoke)


# --- checkpoint screen (issue 17) ---------------------------------------------------------------
# The contract other tools rely on: passages as JSON lines on stdin, one JSON line per passage
# out, {"id", "hits": [{"entry", "score", "why"}]}, best first, only hits above the threshold.
# A bad line is refused on stderr, naming the field, counted, and the run goes on.


def _cmd_checkpoint_screen(args: argparse.Namespace) -> int:
    import datetime as dt

    from borderwatch.ops.checkpoints import CheckpointError, Screener, decode_passage, load_list

    lists = []
    for path in args.list:
        loaded = load_list(Path(path))
        for err in loaded.errors:
            print(f"borderwatch: {err.field}: {err.reason} (entry left out)", file=sys.stderr)
        lists.append(loaded)
    on = dt.date.fromisoformat(args.on) if args.on else None
    screener = Screener(lists, [args.threshold] * len(lists), on=on)
    category = {(lst.name, e.id): f"{e.category}, {e.agency}" for lst in lists for e in lst.entries}
    screened = refused = hits = 0
    # Bytes when there are (a pipe): a line that is not UTF-8 is refused like any bad line.
    source: Any = getattr(sys.stdin, "buffer", sys.stdin)
    for n, line in enumerate(source, 1):
        if not line.strip():
            continue
        try:
            passage = decode_passage(line)
        except CheckpointError as exc:
            refused += 1
            print(f"borderwatch: line {n}: {exc.field}: {exc.reason}", file=sys.stderr)
            continue
        found = screener.screen(passage)
        out = [
            {
                "entry": h.entry,
                "score": h.score,
                "why": [f"list {h.list} ({category[(h.list, h.entry)]})", *h.why],
            }
            for h in found
        ]
        screened += 1
        hits += len(out)
        print(json.dumps({"id": passage.id, "hits": out}, ensure_ascii=False), flush=True)
    print(
        f"borderwatch: screened {screened} passage(s) against {len(screener.entries)} entries: "
        f"{hits} hits, {refused} lines refused",
        file=sys.stderr,
    )
    return 0


def _threshold(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must be > 0 and <= 1, got {text}")
    return value


def _iso_date(text: str) -> str:
    import datetime as dt

    try:
        dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None
    return text


def _add_checkpoint(sub: argparse._SubParsersAction[Any]) -> None:
    checkpoint = sub.add_parser("checkpoint", help="crossing posts: screen passages")
    cmd = checkpoint.add_subparsers(dest="checkpoint_command", required=True, parser_class=_Parser)
    s = cmd.add_parser("screen", help="screen passages (JSON lines on stdin) against lookout lists")
    s.add_argument(
        "--list",
        action="append",
        required=True,
        help="a lookout list: CSV (id,names,dob,...) or FollowTheMoney JSON lines (repeatable)",
    )
    s.add_argument(
        "--threshold",
        type=_threshold,
        default=0.80,
        help="the lists' threshold: hits below it are not written (default 0.80)",
    )
    s.add_argument("--on", type=_iso_date, help="entries in force on this date (default today)")
    s.set_defaults(func=_cmd_checkpoint_screen)


# --- end of checkpoint screen -------------------------------------------------------------------


# --- report (issue 19: governance reports) ------------------------------------------------------


def _cmd_report(args: argparse.Namespace) -> int:
    from borderwatch.engine import load_config
    from borderwatch.oversight import figures_of, write_report
    from borderwatch.oversight.charts import availability_map
    from borderwatch.oversight.language import check_lang

    if args.period == "due":
        return _report_due(args)
    if args.date is None or args.out is None:
        raise DataError(f"report {args.period} needs --date and --out")
    langs = [check_lang(x) for x in args.lang.split(",") if x]
    if len(langs) > 1 and "{lang}" not in args.out:
        raise DataError("--out: with several languages, put {lang} in the file name")
    figures = figures_of(
        _data_dir(args).root,
        args.period,
        args.date,
        load_config(args.config),
        _registry(args),
        replay=args.replay,
    )
    png = availability_map(figures.coverage, figures.sensors)
    for lang in langs or ["en"]:
        out = write_report(figures, lang, Path(args.out.replace("{lang}", lang)), png)
        print(
            f"{out}: {args.period} report {figures.period.first_day} to "
            f"{figures.period.last_day}, {figures.incidents} incidents, "
            f"log seq {figures.log.first_seq}-{figures.log.last_seq}"
        )
    return 0


def _registry(args: argparse.Namespace) -> Any:
    """The sensor registry the service ran with: `--sites`, `--sectors` as for `run`."""
    from borderwatch.geo import load_sites
    from borderwatch.geo.registry import Registry

    layout = load_sites(Path(args.sites) if args.sites else None)
    if args.sectors:
        layout = layout.in_sectors({s for s in args.sectors.split(",") if s})
    return Registry.from_layout(layout)


def _report_due(args: argparse.Namespace) -> int:
    """Every report whose period is over and not yet kept in DATA/oversight/reports (for
    cron or a systemd timer: the scheduled generation)."""
    from borderwatch.engine import load_config
    from borderwatch.oversight.library import ReportLibrary

    library = ReportLibrary(_data_dir(args).root)
    config = load_config(args.config)
    for kept in library.make_due(time.time_ns(), args.date, config, _registry(args)):
        print(kept.name)
    return 0


def _add_report(sub: argparse._SubParsersAction[Any]) -> None:
    s = sub.add_parser(
        "report", help="a governance report (daily, weekly, monthly) from the event log"
    )
    s.add_argument(
        "period",
        choices=("daily", "weekly", "monthly", "due"),
        help="due: make every report whose period is over and is not yet in DATA/oversight",
    )
    _data_option(s)
    s.add_argument(
        "--date", type=_iso_date, help="a day of the period, YYYY-MM-DD (due: since when)"
    )
    s.add_argument(
        "--lang", default="en", help="ar, fr or en, or several (ar,fr,en: one pass, one file each)"
    )
    s.add_argument("--out", help="FILE.pdf, FILE.html or FILE.json ({lang}: the language)")
    s.add_argument("--sites", help="the site layout the service ran with, if not the default")
    s.add_argument("--sectors", help="the sectors the service watched (default all)")
    s.add_argument(
        "--replay",
        action="store_true",
        help="replay the log through the engine instead of reading the derived journal",
    )
    _config_option(s)
    s.set_defaults(func=_cmd_report)


# --- end of report --------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except BorderwatchError as exc:
        print(f"borderwatch: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # `borderwatch schema | head`: the reader left; end quietly, as Unix tools do.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - no flush error at exit
        return 0
    except OSError as exc:
        # A disk full or a file that vanished mid-run: the environment, not a bug. One line.
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"borderwatch: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
