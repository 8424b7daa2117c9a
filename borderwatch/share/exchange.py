"""The exchange: the partners' policies and the disclosure ledger, which every exit holds.

An exit (an API read, the WebSocket, the exchange feed, CoT out, an export) asks `decide`
what a partner may have of some items (each through `releasability.release`, the one decision),
then `record`s what it will send before it sends it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from borderwatch.share import releasability as _releasability
from borderwatch.share.ledger import DisclosureLedger, Exit
from borderwatch.share.policy import Policy, load_policies, policy_for
from borderwatch.share.releasability import Item, Released

__all__ = ["Exchange"]


@dataclass(slots=True)
class Exchange:
    """Policies by partner, and the ledger every release is recorded in."""

    ledger: DisclosureLedger
    policies: dict[str, Policy] = field(default_factory=dict)

    @classmethod
    def open(cls, data_root: Path, known_sectors: Collection[str] | None = None) -> Exchange:
        """The policies in `<data>/partners/*.toml` (their sectors checked against
        `known_sectors` if given) and the ledger `<data>/disclosures.sqlite`."""
        policies = load_policies(data_root / "partners", known_sectors)
        return cls(DisclosureLedger(data_root / "disclosures.sqlite"), policies)

    def policy(self, partner: str) -> Policy:
        """The partner's policy (the default made out to it if it has no file)."""
        return policy_for(self.policies, partner)

    def decide(self, partner: str, items: Iterable[Item], now_ns: int) -> list[Released]:
        """What `partner` may have of `items` now, each decided by `releasability.release`."""
        policy = self.policy(partner)
        out = []
        for item in items:
            # Through the module, so a test can watch every exit call the one function.
            r = _releasability.release(item, partner, policy, now_ns)
            if r is not None:
                out.append(r)
        return out

    def record(self, released: list[Released], user: str, exit: Exit) -> None:
        """Record what is about to be sent (blocking: call it off the event loop)."""
        self.ledger.record(released, user, exit)
