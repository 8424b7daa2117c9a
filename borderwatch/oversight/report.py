"""One governance report from a data directory: the period's pass over the log (from the
derived journal, `oversight.reading`, filled from the log where it lacks some), the files
beside it read, the audit chain verified, the figures computed and rendered.

    DATA/events.sqlite        the event log (read only; never written by a report)
    DATA/quarantine.sqlite    events the engine skips (so does the report)
    DATA/audit.pub            the audit checkpoints' public key (signatures checked if there)
    DATA/checkpoints.sqlite   the crossing posts' records (optional)
    DATA/disclosures.sqlite   the disclosure ledger (optional)
    DATA/oversight.toml       the oversight settings (optional: law, people's sectors)
    DATA/oversight/journal-*.sqlite   the derived journal (written: derived state)
"""

from __future__ import annotations

from pathlib import Path

from borderwatch.engine.config import EngineConfig
from borderwatch.errors import DataError
from borderwatch.geo import load_sites
from borderwatch.geo.registry import Registry
from borderwatch.oversight.derive import derive
from borderwatch.oversight.figures import Figures, compute
from borderwatch.oversight.language import check_lang
from borderwatch.oversight.period import period_of
from borderwatch.oversight.reading import derived_for
from borderwatch.oversight.render import render_html, render_pdf
from borderwatch.oversight.settings import Pseudonyms, load_settings
from borderwatch.store import EventLog
from borderwatch.store.chain import load_public
from borderwatch.store.quarantine import Quarantine

__all__ = ["FORMATS", "figures_of", "write_report"]

FORMATS = (".pdf", ".html", ".json")


def figures_of(
    data_root: Path,
    kind: str,
    date: str,
    config: EngineConfig | None = None,
    registry: Registry | None = None,
    replay: bool = False,
) -> Figures:
    """The figures of the `kind` report holding `date`, from `data_root`; with `replay`,
    from the log replayed through the engine, without the derived journal (a check)."""
    period = period_of(kind, date)
    path = data_root / "events.sqlite"
    if not path.is_file():
        raise DataError(f"{path}: no event log there")
    settings = load_settings(data_root)
    registry = registry or Registry.from_layout(load_sites(None))
    skip: frozenset[int] = frozenset()
    if (data_root / "quarantine.sqlite").exists():
        with Quarantine(data_root / "quarantine.sqlite") as q:
            skip = q.held()
    pub = data_root / "audit.pub"
    public = load_public(pub) if pub.exists() else None
    with EventLog(path) as log:
        if replay:
            derived = derive(log, registry, period, config, skip)
        else:
            derived = derived_for(data_root, log, registry, period, config, skip)
        chain = log.verify_chain(public)
    name = str if settings.law.personal_data else Pseudonyms.of_data(data_root).of
    return compute(derived, data_root, chain, public is not None, settings, name, config)


def write_report(figures: Figures, lang: str, out: Path, map_png: bytes | None = None) -> Path:
    """Write `figures` to `out` as PDF, HTML or JSON, by its suffix (atomically); `map_png`,
    the map drawn once for several languages (see `availability_map`)."""
    import msgspec

    check_lang(lang)
    suffix = out.suffix.lower()
    if suffix == ".pdf":
        body = render_pdf(figures, lang, map_png)
    elif suffix == ".html":
        body = render_html(figures, lang, map_png).encode()
    elif suffix == ".json":
        body = msgspec.json.format(msgspec.json.encode(figures)) + b"\n"
    else:
        raise DataError(f"--out {out}: a report is written as {', '.join(FORMATS)}")
    part = out.with_name(out.name + ".part")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        part.write_bytes(body)
        part.replace(out)
    except OSError as exc:
        raise DataError(f"--out {out}: {exc.strerror}") from exc
    return out
