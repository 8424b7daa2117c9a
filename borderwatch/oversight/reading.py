"""A report's pass over the log, read from the derived journal (`oversight.journal`) when
it covers the period, else derived from the log into it first.

What `derive` computes by replaying the log through the engine, this reads from the
journal's rows with seq up to where that replay would stop (`read_to`: the event before the
first that happened and arrived more than `SETTLE_NS` after the period's end, found from the
journal's blocks and one range of the log): the same alerts, incidents, steps, actions,
health reports, refusals and log range, so the same figures. When the journal does not
reach that far, the missing events are derived from the log (from the engine state the last
report's pass kept, or from the first event) and recorded, then read. A journal of another
quarantine is not trusted: the report then replays in memory (`derive`), as before.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Collection
from pathlib import Path

import msgspec

from borderwatch.engine.config import EngineConfig
from borderwatch.errors import DataError
from borderwatch.geo import load_border
from borderwatch.geo.registry import Registry
from borderwatch.messages import Alert, Incident, OperatorAction
from borderwatch.oversight.derive import SETTLE_NS, Derived, ReviewEngine, Step, derive
from borderwatch.oversight.journal import BLOCK_BITS, MINUTE_NS, Journal, fingerprint
from borderwatch.oversight.period import Period
from borderwatch.oversight.recorder import JournalFeed, Recorder
from borderwatch.rules.coverage import BermCoverage
from borderwatch.store import EventLog

__all__ = ["derived_for", "fill", "read_journal", "read_to"]

log = logging.getLogger(__name__)
_alert = msgspec.msgpack.Decoder(Alert)
_incident = msgspec.msgpack.Decoder(Incident)
_action = msgspec.msgpack.Decoder(OperatorAction)


def read_to(journal: Journal, log_: EventLog, period: Period) -> int | None:
    """Where a replay for `period` stops reading (see the module), if the journal covers
    it; None if it does not."""
    stop = period.end_ns + SETTLE_NS
    covered = journal.covered
    row = journal.query("SELECT min(block) FROM blocks WHERE max_key > ?", (stop,))
    if row[0][0] is not None:
        block = int(row[0][0])
        first = max(1, block << BLOCK_BITS)
        last = min(covered, ((block + 1) << BLOCK_BITS) - 1)
        settled = log_.first_settled(first, last, stop)
        if settled is None:
            raise DataError(f"{journal.path}: its blocks do not match the log (another log?)")
        return settled - 1
    # None of the journal's events settled: the pass reads all it covers, if the next event
    # in the log settled (where a report's `fill` stopped) or there is none yet.
    if covered and log_.first_settled(covered + 1, covered + 1, stop) is not None:
        return covered
    return covered if covered and covered == log_.last_seq() else None


def _coverage(registry: Registry, config: EngineConfig) -> BermCoverage | None:
    """The berm's stretches and confirmers, as the engine's picture makes them."""
    if registry.layout is None:
        return None
    rules = config.rules
    return BermCoverage(registry.layout, load_border(), rules.sensors,
                        rules.line_breach.stretch_m)  # fmt: skip


def _log_range(journal: Journal, log_: EventLog, out: Derived, upto: int) -> None:
    """First and last seq and event time, and how many, of the period's events up to
    `upto`: whole blocks from the journal's counts, the last one from the log itself."""
    p = out.period
    cut = upto >> BLOCK_BITS
    lo, hi = p.start_ns // MINUTE_NS, -(-p.end_ns // MINUTE_NS)
    n, first_seq, last_seq, first_ns, last_ns = journal.query(
        "SELECT coalesce(sum(n), 0), min(min_seq), max(max_seq), min(min_ns), max(max_ns)"
        " FROM minutes WHERE minute >= ? AND minute < ? AND block < ?",
        (lo, hi, cut),
    )[0]
    skipped = {
        int(r[0])
        for r in journal.query(
            "SELECT seq FROM skipped WHERE seq BETWEEN ? AND ?", (cut << BLOCK_BITS, upto)
        )
    }
    seqs, times = [], []
    for seq, t in log_.event_times(max(1, cut << BLOCK_BITS), upto):
        if p.holds(t) and seq not in skipped:
            seqs.append(seq)
            times.append(t)
    out.events = int(n) + len(seqs)
    if out.events:
        out.first_seq = min(x for x in (first_seq, *seqs[:1]) if x is not None)
        out.last_seq = max(x for x in (last_seq, *seqs[-1:]) if x is not None)
        out.first_ns = min(x for x in (first_ns, *times) if x is not None)
        out.last_ns = max(x for x in (last_ns, *times) if x is not None)


def read_journal(
    journal: Journal,
    log_: EventLog,
    registry: Registry,
    period: Period,
    config: EngineConfig | None = None,
) -> Derived | None:
    """The period's pass read from `journal`, or None if it does not cover the period."""
    upto = read_to(journal, log_, period)
    if upto is None:
        return None
    config = config or EngineConfig()
    p = period
    out = Derived(period=p, read_to_seq=upto, source="journal")
    for sid in sorted(registry.places):
        site = registry.places[sid]
        out.sensors[sid] = (site.kind, site.sector, site.lat, site.lon)
    picture = journal.picture_seq()
    if picture and picture <= upto:
        out.coverage = _coverage(registry, config)
    _log_range(journal, log_, out, upto)
    q = journal.query
    for seq, body in q("SELECT seq, body FROM actions WHERE time_ns >= ? AND time_ns < ?"
                       " AND seq <= ? ORDER BY seq", (p.start_ns, p.end_ns, upto)):  # fmt: skip
        out.actions.append((int(seq), _action.decode(body)))
    for body in q("SELECT body FROM incidents WHERE opened_ns >= ? AND opened_ns < ?"
                  " AND seq <= ? ORDER BY seq", (p.start_ns, p.end_ns, upto)):  # fmt: skip
        inc = _incident.decode(body[0])
        out.incidents[inc.id] = inc
    for target in {a.target for _, a in out.actions if a.target} - set(out.incidents):
        row = q("SELECT body FROM incidents WHERE id = ? AND seq <= ? ORDER BY seq DESC"
                " LIMIT 1", (target, upto))  # fmt: skip
        if row:
            out.incidents[target] = _incident.decode(row[0][0])
    wanted = {a for i in out.incidents.values() if p.holds(i.opened_ns) for a in i.alert_ids}
    for body in q("SELECT body FROM alerts WHERE time_ns BETWEEN ? AND ? AND seq <= ?"
                  " ORDER BY seq", (p.start_ns, p.end_ns, upto)):  # fmt: skip
        alert = _alert.decode(body[0])
        out.alerts[alert.id] = alert
    for aid in wanted - set(out.alerts):
        row = q("SELECT body FROM alerts WHERE id = ? AND seq <= ? ORDER BY seq DESC LIMIT 1",
                (aid, upto))  # fmt: skip
        if row:
            out.alerts[aid] = _alert.decode(row[0][0])
    for iid, state, t, who, agency in q(
        "SELECT incident, state, time_ns, who, agency FROM steps WHERE seq <= ? AND incident IN"
        " (SELECT id FROM incidents WHERE opened_ns >= ? AND opened_ns < ?) ORDER BY seq, rowid",
        (upto, p.start_ns, p.end_ns),
    ):
        if iid in out.incidents:
            out.steps.setdefault(iid, []).append(Step(state, int(t), who, agency))
    for sid, t, health in q("SELECT sensor, time_ns, health FROM health WHERE time_ns >= ?"
                            " AND time_ns < ? AND seq <= ? ORDER BY seq",
                            (p.start_ns, p.end_ns, upto)):  # fmt: skip
        out.health_in.setdefault(sid, []).append((int(t), health))
    for sid in out.sensors:
        row = q("SELECT time_ns, health FROM health WHERE sensor = ? AND time_ns < ? AND seq <= ?"
                " ORDER BY time_ns DESC, seq DESC LIMIT 1", (sid, p.start_ns, upto))  # fmt: skip
        if row:
            out.health_before[sid] = (int(row[0][0]), row[0][1])
    for callsign, agency in q("SELECT callsign, agency FROM patrols WHERE seq <= ? ORDER BY seq",
                              (upto,)):  # fmt: skip
        out.patrol_agency[callsign] = agency
    out.refused_actions = int(q("SELECT count(*) FROM refused WHERE seq <= ?", (upto,))[0][0])
    return out


def fill(
    journal: Journal,
    log_: EventLog,
    registry: Registry,
    period: Period,
    config: EngineConfig | None = None,
    skip: Collection[int] = frozenset(),
) -> int:
    """Derive from the log into `journal` what it lacks for `period` (up to where a replay
    for it stops), from the engine state kept by the last pass if there is one; the seq
    the journal covers after."""
    feed = JournalFeed(keep=1, keep_tracks=1)
    engine = ReviewEngine(registry, feed, config)
    start = 0
    kept = journal.load_state()
    if kept is not None and kept[0] <= journal.covered:
        engine.restore(pickle.loads(kept[1]))
        start = kept[0]
    recorder = Recorder(journal, engine, feed)
    stop = period.end_ns + SETTLE_NS
    taken = 0
    for event in log_.read(after=start):
        if event.arrived_ns > stop and event.time_ns > stop:
            break
        if event.seq in skip:
            recorder.took(event.seq, event.message, event.arrived_ns, True)
            continue
        engine.take(event.seq, event.message, event.arrived_ns)
        recorder.took(event.seq, event.message, event.arrived_ns, False)
        taken += 1
        if len(recorder.rows.events) >= 50_000:
            recorder.commit()
    recorder.commit()
    recorder.save_engine()
    log.info("journal %s: %d events derived from the log, covers %d", journal.path.name,
             taken, journal.covered)  # fmt: skip
    return journal.covered


def derived_for(
    data_root: Path,
    log_: EventLog,
    registry: Registry,
    period: Period,
    config: EngineConfig | None = None,
    skip: frozenset[int] = frozenset(),
) -> Derived:
    """The period's pass: from the journal in `data_root` (filled first if it lacks some),
    or, if that journal is not to be trusted, replayed in memory."""
    config = config or EngineConfig()
    try:
        journal = Journal.open(data_root, fingerprint(config, registry))
    except DataError as exc:
        log.warning("%s: replaying the log instead", exc)
        return derive(log_, registry, period, config, skip)
    try:
        if not journal.trusted(skip):
            log.warning("%s: made with another quarantine; replaying the log", journal.path)
            return derive(log_, registry, period, config, skip)
        out = read_journal(journal, log_, registry, period, config)
        if out is None:
            fill(journal, log_, registry, period, config, skip)
            out = read_journal(journal, log_, registry, period, config)
        return out if out is not None else derive(log_, registry, period, config, skip)
    finally:
        journal.close()
