"""Sharing the picture: releasability (one policy for every path out), the disclosure ledger,
EUROSUR-style event reports, and Cursor on Target out (`borderwatch.share.cot`)."""

from borderwatch.share.exchange import Exchange
from borderwatch.share.ledger import Disclosure, DisclosureLedger, Exit
from borderwatch.share.policy import (
    DEFAULT_POLICY,
    ITEM_KINDS,
    ItemKind,
    Policy,
    load_policies,
    load_policy,
    policy_for,
)
from borderwatch.share.releasability import Item, Released, coarsen, release
from borderwatch.share.reports import (
    IMPACT_LEVELS,
    EventReport,
    ImpactLevel,
    SectorStatus,
    event_report,
    sector_statuses,
)

__all__ = [
    "DEFAULT_POLICY",
    "IMPACT_LEVELS",
    "ITEM_KINDS",
    "Disclosure",
    "DisclosureLedger",
    "EventReport",
    "Exchange",
    "Exit",
    "ImpactLevel",
    "Item",
    "ItemKind",
    "Policy",
    "Released",
    "SectorStatus",
    "coarsen",
    "event_report",
    "load_policies",
    "load_policy",
    "policy_for",
    "release",
    "sector_statuses",
]
