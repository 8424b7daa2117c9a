"""The name index: which of a million listed names are worth scoring against a passage.

Scoring every listed name is a million rapidfuzz calls per passage: seconds. Instead each name
token is filed under blocking keys: its skeleton (with and without article, see `names`) and,
for skeletons of three classes or more, each skeleton with one class deleted. Two tokens one
substitution, insertion or deletion apart share a key (the symmetric-delete idea of SymSpell),
so a typo or a transliteration that changes one consonant class still meets its entry.

A query adds, for each passage token, the token's weight to every listed name that shares a
key with it (60 % of it through a one-deletion neighbour only; numpy fancy indexing over
compressed postings, one add per name and token however many keys they share), and keeps
the names whose sum reaches `share` of the passage's total weight, best `limit` first.
Weights are inverse document frequencies of the skeleton among the listed names (a Mohamed
weighs little, a Qadhafi much), so a name meeting the passage only on "Mohamed" is not a
candidate; the scorer then judges the few hundred left.

Built once per set of lists (seconds for a million entries, see bench/checkpoint_speed.py);
immutable afterwards, so screenings need no lock.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from borderwatch.ops.checkpoints.lists import LookoutEntry
from borderwatch.ops.checkpoints.names import NameToken, name_tokens

__all__ = ["NameIndex", "blocking_keys"]

# Skeletons of the commonest given names and name parts of the region (Mohamed, Ahmed, Ali,
# Abdallah, Mahmoud/Mohamed's MHMT, Hassan/Hussein, ...): common everywhere, so worth little
# as evidence even in a list too small to learn frequencies from.
COMMON = frozenset({"MHMT", "HMT", "L", "BTL", "HSN", "SN", "MSTF", "KLT", "SLH", "BN", "M"})
NEAR = 0.6  # share of a token's weight earned through a one-deletion neighbour key
_SMALL = 1_000  # below this many names, frequencies say nothing: all tokens weigh alike


def blocking_keys(token: NameToken) -> set[str]:
    """The keys a token is filed under: its skeletons and their one-deletion neighbours."""
    keys: set[str] = set()
    for sk in token.alternatives:
        keys.add(sk)
        if len(sk) >= 3:
            keys.update(sk[:i] + sk[i + 1 :] for i in range(len(sk)))
    return keys


class NameIndex:
    """Listed names filed under blocking keys; `candidates()` for a passage's tokens."""

    def __init__(self, entries: Sequence[LookoutEntry]) -> None:
        """File every name (main and aliases) of `entries`."""
        self.entries = entries
        rows_entry = array("i")
        rows_name = array("i")
        pair_key = array("i")
        pair_row = array("i")
        self._key_ids: dict[str, int] = {}
        self._skeleton_df: dict[str, int] = {}
        key_ids = self._key_ids
        for e, entry in enumerate(entries):
            for n, name in enumerate(entry.names):
                tokens = name_tokens(name)
                if not tokens:
                    continue
                row = len(rows_entry)
                rows_entry.append(e)
                rows_name.append(n)
                for tok in tokens:
                    self._skeleton_df[tok.bare] = self._skeleton_df.get(tok.bare, 0) + 1
                    for key in blocking_keys(tok):
                        pair_key.append(key_ids.setdefault(key, len(key_ids)))
                        pair_row.append(row)
        keys = np.frombuffer(pair_key, dtype=np.int32)
        order = np.argsort(keys, kind="stable")
        self._postings: npt.NDArray[np.int32] = np.frombuffer(pair_row, dtype=np.int32)[order]
        counts = np.bincount(keys, minlength=len(key_ids))
        self._starts = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        self.row_entry = np.frombuffer(rows_entry, dtype=np.int32)
        self.row_name = np.frombuffer(rows_name, dtype=np.int32)
        self._acc = np.zeros(len(rows_entry), dtype=np.float32)
        self._log_n = math.log(max(len(rows_entry), 2))

    @property
    def rows(self) -> int:
        """How many names are filed."""
        return len(self.row_entry)

    @property
    def postings(self) -> int:
        """How many (key, name) pairs are filed."""
        return len(self._postings)

    def nbytes(self) -> int:
        """Memory of the arrays (the entries themselves and the key table not counted)."""
        arrays = (self._postings, self._starts, self.row_entry, self.row_name, self._acc)
        return sum(a.nbytes for a in arrays)

    def weight(self, token: NameToken) -> float:
        """Evidence a token carries: inverse frequency of its skeleton, common names halved,
        short skeletons less."""
        # Few consonants say little (Ali: L; Aisha: S): half for one class, 3/4 for two.
        prior = min(1.0, (len(token.bare) + 1) / 4) * (0.5 if token.bare in COMMON else 1.0)
        if self.rows < _SMALL:
            return prior
        df = self._skeleton_df.get(token.bare, 0)
        idf = math.log((self.rows + 1) / (df + 1)) / self._log_n
        return prior * (0.3 + 0.7 * min(1.0, idf * 2.0))

    def candidates(
        self, tokens: Sequence[NameToken], share: float = 0.45, limit: int = 300
    ) -> npt.NDArray[np.int32]:
        """Rows (listed names) sharing keys worth >= `share` of the tokens' weight, best first."""
        found: list[npt.NDArray[np.int32]] = []
        total = 0.0
        acc = self._acc
        for tok in tokens:
            w = self.weight(tok)
            total += w
            exact = set(tok.alternatives)
            spans = {
                key: self._postings[self._starts[k] : self._starts[k + 1]]
                for key in blocking_keys(tok)
                if (k := self._key_ids.get(key)) is not None
            }
            if not spans:
                continue
            every = list(spans.values())
            ids = np.concatenate(every) if len(every) > 1 else every[0]
            # A name reached by several keys of one token gets the weight once (fancy-index
            # assignment does not accumulate): NEAR of it through a one-deletion neighbour,
            # the rest only through the skeleton itself.
            acc[ids] += np.float32(NEAR * w)
            same = [span for key, span in spans.items() if key in exact]
            if same:
                acc[np.concatenate(same) if len(same) > 1 else same[0]] += np.float32(
                    (1 - NEAR) * w
                )
            found.append(ids)
        if not found:
            return np.empty(0, dtype=np.int32)
        touched = np.concatenate(found) if len(found) > 1 else found[0]
        scores = acc[touched]
        mask = scores >= np.float32(share * total - 1e-6)
        acc[touched] = 0.0
        rows, first = np.unique(touched[mask], return_index=True)
        if len(rows) > limit:
            rows = rows[np.argpartition(-scores[mask][first], limit)[:limit]]
        return rows
