"""The name index: which of a million listed names are worth scoring against a passage.

Scoring every listed name is a million rapidfuzz calls per passage: seconds. Instead each name
token is filed under blocking keys: its skeleton (with and without article, see `names`) and,
for skeletons of four classes or more, each skeleton with one class deleted. Two tokens one
substitution, insertion or deletion apart share a key (the symmetric-delete idea of SymSpell),
so a typo or a transliteration that changes one consonant class still meets its entry.
Three-class skeletons (Jazami JTM) have their neighbours too, filed apart from the two-class
skeletons they spell (~JM beside JM, see `probe_keys`): a typo in a short name (Jaeami JM)
meets it, and a two-class key is not swollen by every three-class name it is inside.

A query adds, for each passage token, the token's weight to every listed name that shares a
key with it (60 % of it through a one-deletion neighbour only, 40 % through a neighbour of
two classes; numpy fancy indexing over compressed postings, one add per name and token
however many keys they share), and keeps the names whose sum reaches `share` of the
passage's total weight, best `limit` first.
Weights are inverse document frequencies of the skeleton among the listed names (a Mohamed
weighs little, a Qadhafi much), so a name meeting the passage only on "Mohamed" is not a
candidate; the scorer then judges the few hundred left.

The index also counts how many entries bear each token (`share`): the lists as a sample of
the region's names, for the scorer to judge how common a matched name is.

Built once per set of lists (seconds for a million entries, see bench/checkpoint_speed.py);
immutable afterwards, so screenings need no lock.
"""

from __future__ import annotations

import math
import re
from array import array
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from borderwatch.ops.checkpoints.lists import LookoutEntry
from borderwatch.ops.checkpoints.names import NameToken, name_tokens

__all__ = ["NameIndex", "blocking_keys", "probe_keys"]

# Skeletons of the commonest given names and name parts of the region (Mohamed, Ahmed, Ali,
# Abdallah, Mahmoud/Mohamed's MHMT, Hassan/Hussein, ...): common everywhere, so worth little
# as evidence even in a list too small to learn frequencies from.
COMMON = frozenset({"MHMT", "HMT", "L", "BTL", "HSN", "SN", "MSTF", "KLT", "SLH", "BN", "M"})
FREQUENT = 8_000  # postings longer than this are looked up, not scattered (see candidates)
NEIGHBOURS = 3_000  # a one-deletion neighbour key with more names than this is not followed
SHORT = "~"  # marks a three-class skeleton's one-deletion neighbours (see probe_keys)
NEAR = 0.6  # share of a token's weight earned through a one-deletion neighbour key
# ... through a neighbour key of two classes (of a three-class skeleton, or one a two-class
# token probes): two of three classes shared, 2/3 of NEAR. Two such tokens (0.8) stay under
# one token met exactly (1.0), which they would otherwise push out of the best `limit`.
NEAR_SHORT = NEAR * 2 / 3
_SMALL = 1_000  # below this many names, frequencies say nothing: all tokens weigh alike
_RUN = re.compile(r"(.)\1+")


def _name_key(tokens: Sequence[NameToken]) -> tuple[str, ...]:
    return tuple(sorted(t.key for t in tokens))


def _deletions(skeleton: str, head: int) -> set[str]:
    """`skeleton` with one class deleted (after the first `head`), as a skeleton: a deletion
    that brings two equal classes together leaves one (Krgdjou KRKJ less R: KJ, as Qaqjoo
    is written), the run collapsing as it does in any skeleton."""
    return {_RUN.sub(r"\1", skeleton[:i] + skeleton[i + 1 :]) for i in range(head, len(skeleton))}


def _head(token: NameToken) -> int:
    # In ben X and Abd X only X is varied: deleting from the particle would file Abd al-Jalil
    # under BTL, beside every Abdallah.
    return 2 if token.latin[:3] in ("ben", "abd") else 0


def _long(skeleton: str, head: int) -> bool:
    # Short skeletons' neighbours are two-class keys (KT, MT), each the skeleton of a tenth of
    # a list: they are filed apart (SHORT) instead; the common given names are known by heart
    # and need no neighbours.
    return len(skeleton) - head >= (3 if head else 4) and skeleton not in COMMON


def _short(skeleton: str, head: int) -> bool:
    return not head and len(skeleton) == 3 and skeleton not in COMMON


def blocking_keys(token: NameToken) -> set[str]:
    """The keys a token is filed under: its skeletons, their one-deletion neighbours, and for
    three-class skeletons those neighbours marked SHORT (see `probe_keys`)."""
    keys: set[str] = set()
    head = _head(token)
    for sk in token.keys:
        keys.add(sk)
        if _long(sk, head):
            keys.update(_deletions(sk, head))
        elif _short(sk, head):
            keys.update(SHORT + d for d in _deletions(sk, head) if len(d) >= 2)
    return keys


def probe_keys(token: NameToken) -> dict[str, bool]:
    """The keys a passage's token is looked up under, each with whether it is the token's own
    skeleton: symmetric delete as in `blocking_keys`, and for short skeletons the one-edit
    neighbours that filing them under two-class keys would have found. Three classes (Jazami
    JTM, Jaeami JM, Jalami JLM) meet each other through the SHORT keys (one class changed,
    JTM and JLM both filed under ~JM) and two-class skeletons through them (JM probes ~JM: a
    class missing); a three-class token also probes its neighbours' own skeletons (Dathashee
    TS for a listed THS is met by the listed token's SHORT key; a listed TS is met by THS
    less H). Two-class postings are the long ones: NEIGHBOURS decides which are followed."""
    keys = dict.fromkeys(blocking_keys(token), False)
    head = _head(token)
    for sk in token.keys:
        if _short(sk, head):
            keys.update(dict.fromkeys(_deletions(sk, head), False))
        elif not head and len(sk) == 2 and sk not in COMMON:
            keys[SHORT + sk] = False
    keys.update(dict.fromkeys(token.keys, True))
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
        self._entry_df: dict[str, int] = {}  # how many entries bear a token, see `share`
        self.row_tokens: list[tuple[NameToken, ...]] = []  # shared token objects, see names
        key_ids = self._key_ids
        entry_df = self._entry_df
        for e, entry in enumerate(entries):
            borne: set[str] = set()
            for n, name in enumerate(entry.names):
                tokens = name_tokens(name)
                if not tokens:
                    continue
                borne.update(t.key for t in tokens)
                row = len(rows_entry)
                rows_entry.append(e)
                rows_name.append(n)
                self.row_tokens.append(tokens)
                for tok in tokens:
                    self._skeleton_df[tok.key] = self._skeleton_df.get(tok.key, 0) + 1
                    for key in blocking_keys(tok):
                        pair_key.append(key_ids.setdefault(key, len(key_ids)))
                        pair_row.append(row)
            for key in borne:
                entry_df[key] = entry_df.get(key, 0) + 1
        keys = np.frombuffer(pair_key, dtype=np.int32)
        order = np.argsort(keys, kind="stable")
        self._postings: npt.NDArray[np.int32] = np.frombuffer(pair_row, dtype=np.int32)[order]
        counts = np.bincount(keys, minlength=len(key_ids))
        self._starts = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        self.row_entry = np.frombuffer(rows_entry, dtype=np.int32)
        self.row_name = np.frombuffer(rows_name, dtype=np.int32)
        # Years of birth an entry allows (0: none given), for `candidates(born=...)`.
        years = [[int(d[:4]) for d in entry.dob] or [0] for entry in entries]
        self._year_lo = np.array([min(years[e]) for e in self.row_entry], dtype=np.int16)
        self._year_hi = np.array([max(years[e]) for e in self.row_entry], dtype=np.int16)
        self._acc = np.zeros(len(rows_entry), dtype=np.float32)
        self._log_n = math.log(max(len(rows_entry), 2))
        self._weights: dict[NameToken, float] = {}
        # Names made only of common words (Mohamed Ahmed Ali), filed whole: their postings are
        # a third of the list, so such a passage meets them by its own set of words instead.
        self._common_names: dict[tuple[str, ...], list[int]] = {}
        for row, tokens in enumerate(self.row_tokens):
            if all(self._frequent(t.key) for t in tokens):
                words = _name_key(tokens)
                self._common_names.setdefault(("=", *words), []).append(row)
                # Filed also without each word: the passage may lack a middle name.
                for k in {words[:i] + words[i + 1 :] for i in range(len(words))}:
                    self._common_names.setdefault(("-", *k), []).append(row)

    def _frequent(self, skeleton: str) -> bool:
        k = self._key_ids.get(skeleton)
        return k is not None and int(self._starts[k + 1] - self._starts[k]) > FREQUENT

    def _all_common(
        self, tokens: Sequence[NameToken], limit: int, born: int | None
    ) -> npt.NDArray[np.int32]:
        """Listed names of common words only: the same words, or all but one of them (a
        missing middle name) on either side."""
        key = _name_key(tokens)
        # The same words; the listed name one word longer; the passage one word longer.
        keys = {("=", *key), ("-", *key)}
        keys |= {("=", *key[:i], *key[i + 1 :]) for i in range(len(key)) if len(key) > 2}
        rows = {row for k in keys for row in self._common_names.get(k, ())}
        found = np.array(sorted(rows), dtype=np.int32)
        if born is not None:
            found = found[self._born_near(found, born)]
        return found[:limit]

    def _born_near(self, rows: npt.NDArray[np.int32], born: int) -> npt.NDArray[np.bool_]:
        lo, hi = self._year_lo[rows], self._year_hi[rows]
        near: npt.NDArray[np.bool_] = (lo == 0) | ((lo - 1 <= born) & (born <= hi + 1))
        return near

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
        """Evidence a token carries (cached `token_weight`)."""
        w = self._weights.get(token)
        if w is None:
            w = self._weights[token] = self.token_weight(token)
        return w

    def share(self, key: str) -> float:
        """The share of people who bear a name token (its `key`), estimated from the lists:
        the entries bearing it over all entries, at least `_SMALL` (a list is a sample of the
        region's names; one entry of a short list says nothing about a name's rarity). Counts
        the entry asked about itself: add-one smoothing, never zero."""
        return max(self._entry_df.get(key, 0), 1) / max(len(self.entries), _SMALL)

    def token_weight(self, token: NameToken) -> float:
        """Evidence a token carries: inverse frequency of its skeleton, common names halved,
        short skeletons less."""
        # Few consonants say little (Ali: L; Aisha: S): half for one class, 3/4 for two.
        prior = min(1.0, (len(token.key) + 1) / 4) * (0.5 if token.key in COMMON else 1.0)
        if self.rows < _SMALL:
            return prior
        df = self._skeleton_df.get(token.key, 0)
        idf = math.log((self.rows + 1) / (df + 1)) / self._log_n
        return prior * (0.3 + 0.7 * min(1.0, idf * 2.0))

    def candidates(
        self,
        tokens: Sequence[NameToken],
        share: float = 0.45,
        limit: int = 30,
        born: int | None = None,
    ) -> npt.NDArray[np.int32]:
        """Rows (listed names) sharing keys worth >= `share` of the tokens' weight, best first;
        with `born`, only entries without a date of birth or born within a year of it (the
        scorer takes 0.3 off the others: they cannot reach a threshold above 0.73).

        Tokens whose postings are long (a Mohamed among a million names) are not scattered:
        they weigh little, so a row they alone reach cannot get `share` of the weight; the
        rows the rarer tokens reach are looked up in their (sorted) postings instead.
        """
        infos = []
        for tok in dict.fromkeys(tokens):  # Mohamed Mohamed: one lookup
            # Each posting with how close its key is: 2 the skeleton, 1 a neighbour, 0 a
            # neighbour of two classes.
            spans = [
                (
                    self._postings[self._starts[k] : self._starts[k + 1]],
                    2 if is_exact else 1 if len(key) - key.startswith(SHORT) > 2 else 0,
                )
                for key, is_exact in probe_keys(tok).items()
                if (k := self._key_ids.get(key)) is not None
            ]
            # How common a token is: its own skeletons' postings. A neighbour key that is
            # itself a common name (Naftami less N: FTM, Fatma) is not followed at all.
            size = sum(len(sp) for sp, near in spans if near == 2)
            spans = [(sp, near) for sp, near in spans if near == 2 or len(sp) <= NEIGHBOURS]
            infos.append((size, self.weight(tok), spans))
        total = sum(self.weight(tok) for tok in tokens)
        need = np.float32(share * total - 1e-6)
        infos.sort(key=lambda t: t[0])
        rare = [t for t in infos if t[0] <= FREQUENT]
        frequent = [t for t in infos if t[0] > FREQUENT]
        if not rare:
            return self._all_common(tokens, limit, born)
        acc = self._acc
        found: list[npt.NDArray[np.int32]] = []
        for _, w, spans in rare:
            if not spans:
                continue
            every = [sp for sp, _ in spans]
            ids = np.concatenate(every) if len(every) > 1 else every[0]
            # A name reached by several keys of one token gets the weight once (fancy-index
            # assignment does not accumulate): NEAR_SHORT of it through a two-class
            # neighbour, NEAR through a longer one, all of it through the skeleton itself.
            acc[ids] += np.float32(NEAR_SHORT * w)
            for closer, part in ((1, NEAR - NEAR_SHORT), (2, 1 - NEAR)):
                some = [sp for sp, near in spans if near >= closer]
                if some:
                    acc[np.concatenate(some) if len(some) > 1 else some[0]] += np.float32(part * w)
            found.append(ids)
        if not found:
            return np.empty(0, dtype=np.int32)
        touched = np.concatenate(found) if len(found) > 1 else found[0]
        scores = acc[touched]
        acc[touched] = 0.0
        # Rows that cannot reach `need` even if every frequent token met them: out before
        # the lookups (the frequent tokens are the common names, they weigh little).
        reach = np.float32(sum(w for _, w, _ in frequent))
        keep = scores + reach >= need
        rows, first = np.unique(touched[keep], return_index=True)
        scores = scores[keep][first]
        for _, w, spans in frequent:
            # Looked up through their own skeletons only: a typing error in a common name
            # costs its 40 %, not a search of its neighbours' hundreds of thousands of rows.
            hit = np.zeros(len(rows), dtype=bool)
            for span, near in spans:
                if near == 2 and len(rows):
                    at = np.searchsorted(span, rows).clip(max=len(span) - 1)
                    hit |= span[at] == rows
            scores += np.float32(w) * hit
        keep = scores >= need
        if born is not None:
            keep &= self._born_near(rows, born)
            # Among equals (a hundred Fatma Obeidi), those born that very year first.
            lo, hi = self._year_lo[rows], self._year_hi[rows]
            scores = scores + np.where((lo <= born) & (born <= hi), 0.05 * total, 0.0).astype(
                np.float32
            )
        rows, scores = rows[keep], scores[keep]
        if len(rows) > limit:
            rows = rows[np.argpartition(-scores, limit)[:limit]]
        return rows
