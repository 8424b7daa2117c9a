"""Screening a passage against lookout lists: a score per listed person and why.

Why written here: rapidfuzz gives distances between strings; what they mean for a person is
the checkpoint's judgement, and no library holds it:

- Tokens are compared on their consonant skeletons (see `names`): equal skeletons are the same
  name transliterated; otherwise the OSA similarity of the skeletons (a transposition is one
  edit). The vowels written are evidence too (`names.vocalised`): in one script (Latin: all
  of them; Arabic: the long ones) their similarity is blended in, 0.7 + 0.3 x it for equal
  skeletons, 0.6 x skeletons + 0.4 x it otherwise between Latin spellings; Arabic against
  Latin, equal skeletons give 1.0 when the Arabic long vowels are among the Latin vowels in
  order (محمود: Mahmoud), else 0.9 (محمود: Mohamed). Two different common given names
  (Mohamed, Ahmed) are two names, never a typing error of each other. For two patronymics
  (ben X) or two abd-compounds only X is compared: the particle is shared by thousands.
- Names are compared token set to token set, in any order: pairs matched greedily, best first,
  at 0.5 or better; one pair must reach 0.78 and two pairs are needed unless both names are
  one token. A pair under 0.78 is a typing error's: credited in full at 0.78 down to half at
  0.5. The score is the weighted share of evidence matched,
  sum(sim x credit x w) / (sum of matched w + lambda x sum of unmatched w), with w a token's
  weight (rare names weigh more, `NameIndex.weight`). An unmatched token between two matched
  ones of its name is a missing middle name (lambda 0.15: fathers' and grandfathers' names
  come and go); one at either end is a different name (lambda 0.5), so "Mohamed Ali" does not
  hit "Mohamed Ali Trabelsi" while "Mohamed Trabelsi" does. When both names have tokens the
  other lacks, they disagree (another father's name): lambda 0.6 for all of them. Thin
  evidence cannot make a full match: the score is scaled by 0.75 + 0.25 x (matched weight /
  1.5), at most 1 (a common given name and a one-consonant family name are not enough).
- Any order, but not every order: a family name first or last is one writing turned round
  (an MRZ, a register), which keeps the rest in order; three or more matched tokens in an
  order no turning gives (the father's name before the given name: Saleh son of Khalid for
  Khalid son of Saleh) are another man more often than not, and the name loses REORDERED.
- Date of birth, nationality and sex then support or weaken it, each by how many people it
  tells apart, in decades (log10 of a likelihood ratio; `_dob_evidence`, `_nationality`,
  `_sex`), worth EVIDENCE_DECADE (0.06) of score each. The same full date is shared by one
  person in about 60 x 365 (4.3 decades: +0.26), the same year and month (a list's
  "YYYY-MM", or day and month swapped) by one in 720 (2.9), the same year by one in 60
  (1.8); a passage with a date of birth first loses NO_DOB (0.05), so the name of an entry
  without one must be that much stronger. A date that disagrees is evidence of another person
  and weighs as before, not by decades: years apart -0.3, two full dates a year apart or
  another day of the same year -0.2 (1 January is read as "that year"), a year alone a year
  apart -0.1. Nationality: one of the entry's +0.3 decades (about half the region's travellers
  share it, and the list may be right: 0.95 / 0.5), none of them -1.0 (people hold several,
  lists err: 0.05 / 0.5). Sex (a document always gives it; a list sometimes): the same is no
  evidence once the given names matched (names are a sex's own), another is -1.7 (0.01 / 0.5).
  The same document number or plate is a hit on its own (score at least 0.97 / 0.9),
  whatever the names say.
- What a name match is worth depends on how many people bear the name (`_commonness`): a
  full-name match on Mohamed ben Masoud, which one traveller in two thousand bears, is an
  innocent namesake far more often than the listed man unless something else tells them
  apart; one on a name one in a million bears is not. The share bearing the matched name, f,
  is estimated from the lists (each matched token's share of the listed people,
  `NameIndex.share`, multiplied: given and family names independent). The evidence is the
  name's log10(1/f) plus the decades above; what it falls short of identifying one person in
  ONE_IN (10,000) costs EVIDENCE_DECADE per decade more. So a date of birth, or a
  nationality, pays for a common name, and a name alone with nothing else weighs by its
  rarity; the slope is twice as steep below the mark as above it (the evidence that tells
  people apart is scarce there). The same full date pays for any name; that is why it may
  also carry a partial name (a family name and a typed given name) over the threshold:
  an innocent shares a listed person's date once in 20,000.

The name constants were set on the development seed of bench/checkpoint_names.py (17), as
were EVIDENCE_DECADE and ONE_IN; the decades each piece of evidence is worth are not fitted
but counted (how many people share a date, a nationality, a sex). All are judged there on
other seeds.

Every hit carries `why`: one line per piece of evidence, for the second-line officer who decides.
"""

from __future__ import annotations

import builtins
import datetime as dt
import math
from collections.abc import Sequence

import msgspec
from rapidfuzz.distance import OSA, JaroWinkler, Levenshtein

from borderwatch.ops.checkpoints.index import COMMON, NameIndex
from borderwatch.ops.checkpoints.lists import LoadedList, LookoutEntry
from borderwatch.ops.checkpoints.names import NameToken, coarse, name_tokens, vocalised
from borderwatch.ops.checkpoints.passages import Passage

__all__ = ["DEFAULT_THRESHOLD", "Hit", "NameMatch", "Screener", "name_match", "token_similarity"]

DEFAULT_THRESHOLD = 0.80
PAIR_MIN = 0.78
WEAK_MIN = 0.5
COARSE_MATCH = 0.85
WEAK_CREDIT = 0.5
_PARTICLES = {"ben", "abd"}
THIN = 0.25
LONG_VOWELS_DIFFER = 0.9
REORDERED = 0.1
EVIDENCE_FULL = 1.5
NO_DOB = 0.05
LAMBDA_MIDDLE = 0.15
LAMBDA_END = 0.5
LAMBDA_CONFLICT = 0.6
# Evidence is counted in decades (log10 of a likelihood ratio), each worth EVIDENCE_DECADE of
# score; what the name and the rest fall short of telling one person in ONE_IN apart costs as
# much again (see `_commonness`).
ONE_IN = 1e-4
EVIDENCE_DECADE = 0.06
# How many people share a date of birth: born over about 60 years.
BIRTH_YEARS = 60
DOB_DAY = math.log10(BIRTH_YEARS * 365.25)
DOB_MONTH = math.log10(BIRTH_YEARS * 12)
DOB_YEAR = math.log10(BIRTH_YEARS)
NATIONALITY_SAME = math.log10(0.95 / 0.5)
NATIONALITY_OTHER = math.log10(0.05 / 0.5)
SEX_OTHER = math.log10(0.01 / 0.5)


class Hit(msgspec.Struct, frozen=True, kw_only=True):
    """One listed person a passage may be: list, entry id, score in [0, 1], and why."""

    list: str
    entry: str
    score: float
    why: builtins.list[str]


class NameMatch(msgspec.Struct, frozen=True, kw_only=True):
    """How one name matched another: score and the token pairs."""

    score: float
    pairs: list[tuple[str, str, float, str]]  # passage token, listed token, similarity, how
    missing: list[str]  # tokens of either name left unmatched
    keys: list[str] = []  # the matched listed tokens' keys (`NameToken.key`), for `share`
    reordered: bool = False  # three or more matched in an order no rotation gives


def token_similarity(a: NameToken, b: NameToken) -> tuple[float, str]:
    """Similarity of two tokens in [0, 1] and how they matched."""
    if a.latin == b.latin:
        return 1.0, "same letters"
    if a.key != b.key and a.key in COMMON and b.key in COMMON:
        return 0.0, "different names"  # Mohamed and Ahmed are two names, not a typing error
    latin = not (a.arabic or b.arabic)
    if latin and max(len(a.bare), len(b.bare)) <= 1:
        # One consonant or none (Ali, Aya): the skeleton says nothing; the letters must.
        return JaroWinkler.similarity(a.latin, b.latin), "letters"
    best = 0.0
    # Both patronymics (ben X) or both abd-compounds (Abd X): the particle is shared by
    # thousands; only X tells them apart.
    cut = 2 if a.latin[:3] == b.latin[:3] and a.latin[:3] in _PARTICLES else 0
    for x_full in a.alternatives:
        for y_full in b.alternatives:
            x, y = x_full[cut:], y_full[cut:]
            if x == y:
                va, vb = (vocalised(t.latin[3:]) if cut else t.vocal for t in (a, b))
                if a.arabic == b.arabic:
                    # One script: the vowels written are evidence too (Latin: all of them;
                    # Arabic: the long ones). Mahmoud is not Mohamed, محمود is not محمد.
                    vowels = Levenshtein.normalized_similarity(va, vb)
                    return 0.7 + 0.3 * vowels, f"same consonants {x_full}"
                # Arabic against Latin: the long vowels of the one must be among the vowels
                # of the other (محمود: Mahmoud, not Mohamed).
                arab, lat = (va, vb) if a.arabic else (vb, va)
                if _within(arab, lat):
                    return 1.0, f"same consonants {x_full}"
                return LONG_VOWELS_DIFFER, f"same consonants {x_full}, long vowels differ"
            if coarse(x) == coarse(y):
                # kh, gh and q apart (خ, غ, ق): transliterations mix them, rarely (Khadafy).
                best = max(best, COARSE_MATCH)
                continue
            best = max(best, OSA.normalized_similarity(x, y))
    if latin:
        vowels = Levenshtein.normalized_similarity(a.vocal, b.vocal)
        return 0.6 * best + 0.4 * vowels, "close spelling"
    return best, "close consonants"


def _within(short: str, long: str) -> bool:
    """Whether `short` is a subsequence of `long`."""
    it = iter(long)
    return all(ch in it for ch in short)


def _credit(s: float) -> float:
    """Share of a pair's similarity credited: all from PAIR_MIN up, down to WEAK_CREDIT at
    WEAK_MIN (a typing error costs part of a token, a different name costs it all)."""
    if s >= PAIR_MIN:
        return 1.0
    return WEAK_CREDIT + (1 - WEAK_CREDIT) * (s - WEAK_MIN) / (PAIR_MIN - WEAK_MIN)


def name_match(
    passage: Sequence[NameToken],
    listed: Sequence[NameToken],
    weights: Sequence[float],
    seen: dict[tuple[NameToken, NameToken], tuple[float, str]] | None = None,
) -> NameMatch:
    """Score one passage name against one listed name; `weights` by passage token then listed;
    `seen` caches token similarities across the listed names of one screening."""
    n, m = len(passage), len(listed)
    wp, wl = weights[:n], weights[n:]
    cache = {} if seen is None else seen
    sims = []
    for i, a in enumerate(passage):
        for j, b in enumerate(listed):
            got_sim = cache.get((a, b))
            if got_sim is None:
                got_sim = cache[(a, b)] = token_similarity(a, b)
            if got_sim[0] >= WEAK_MIN:
                sims.append((got_sim[0], got_sim[1], i, j))
    sims.sort(key=lambda t: -t[0])
    used_p: dict[int, int] = {}
    used_l: set[int] = set()
    pairs: list[tuple[str, str, float, str]] = []
    keys: list[str] = []
    got = matched_w = 0.0
    strong = 0
    for s, how, i, j in sims:
        if i in used_p or j in used_l:
            continue
        used_p[i] = j
        used_l.add(j)
        w = max(wp[i], wl[j])
        got += s * w * _credit(s)
        matched_w += w
        strong += s >= PAIR_MIN
        pairs.append((passage[i].latin, listed[j].latin, round(s, 3), how))
        keys.append(listed[j].key)
    if not strong or (len(pairs) < 2 and not (n == 1 and m == 1)):
        return NameMatch(score=0.0, pairs=pairs, missing=[])
    missing: list[str] = []
    lost = 0.0
    # Both names with a word the other lacks: they disagree (another father's name), which
    # is evidence against; one name with more words: the other left them out.
    conflict = len(used_p) < n and len(used_l) < m
    for toks, ws, used in ((passage, wp, set(used_p)), (listed, wl, used_l)):
        lo, hi = min(used), max(used)
        for k, tok in enumerate(toks):
            if k not in used:
                lam = LAMBDA_MIDDLE if lo < k < hi else LAMBDA_END
                lost += (LAMBDA_CONFLICT if conflict else lam) * ws[k]
                missing.append(tok.latin)
    # Thin evidence (a Fatma and a one-consonant family name) cannot make a full match.
    thin = min(1.0, 1.0 - THIN + THIN * matched_w / EVIDENCE_FULL)
    score = thin * got / (matched_w + lost)
    reordered = not _rotation([used_p[i] for i in sorted(used_p)])
    if reordered:
        score = max(0.0, score - REORDERED)
    return NameMatch(score=score, pairs=pairs, missing=missing, keys=keys, reordered=reordered)


def _rotation(listed: Sequence[int]) -> bool:
    """Whether the listed tokens' positions, taken in the passage's order, are the listed
    order turned round: a family name moved from last to first (an MRZ, a register) turns
    the order, but nobody writes the father's name before the given name. Two or fewer
    matched tokens are always a rotation."""
    k = len(listed)
    rank = {j: r for r, j in enumerate(sorted(listed))}
    ranks = [rank[j] for j in listed]
    return k < 3 or all(ranks[(t + 1) % k] == (ranks[t] + 1) % k for t in range(k))


class Evidence(msgspec.Struct, frozen=True):
    """One piece of evidence beside the name: a score change that is no likelihood (a date that
    disagrees), the decades it is worth (log10 of a likelihood ratio) and why."""

    penalty: float
    decades: float
    why: str


def _dob_evidence(passage: str | None, listed: Sequence[str]) -> Evidence | None:
    """The best reading of the passage's date of birth against the entry's (see the module
    docstring); None when either has none."""
    if passage is None or not listed:
        return None
    best: Evidence | None = None
    # 1 January is what many registers write for "born in that year": read it as the year.
    for d in (x[:4] if x.endswith("-01-01") else x for x in listed):
        ev = _one_dob(passage, d)
        if best is None or (ev.penalty, ev.decades) > (best.penalty, best.decades):
            best = ev
    return best


def _one_dob(passage: str, d: str) -> Evidence:
    py, ly = int(passage[:4]), int(d[:4])
    digits = min(len(passage), len(d))  # 4, 7 or 10: what both give
    if py == ly:
        if digits == 10 and passage == d:
            return Evidence(0.0, DOB_DAY, f"date of birth: same, {d}")
        if digits == 10 and passage[5:7] == d[8:10] and passage[8:10] == d[5:7]:
            why = f"date of birth: {passage} is {d} with day and month swapped"
            return Evidence(0.0, DOB_MONTH, why)
        if digits >= 7 and passage[:7] == d[:7]:
            if digits == 7:
                return Evidence(0.0, DOB_MONTH, f"date of birth: same month {d[:7]}")
            return Evidence(-0.2, 0.0, f"date of birth: same month, other day ({passage} vs {d})")
        if digits >= 7:
            return Evidence(-0.2, 0.0, f"date of birth: same year, other day ({passage} vs {d})")
        return Evidence(0.0, DOB_YEAR, f"date of birth: same year {ly}")
    if abs(py - ly) == 1:
        both = len(passage) == 10 and len(d) == 10
        return Evidence(
            -0.2 if both else -0.1, 0.0, f"date of birth: a year apart ({passage} vs {d})"
        )
    return Evidence(-0.3, 0.0, f"date of birth: {abs(py - ly)} years apart ({passage} vs {d})")


def _nationality(passage: str | None, listed: Sequence[str]) -> Evidence | None:
    if not passage or not listed:
        return None
    if passage in listed:
        return Evidence(0.0, NATIONALITY_SAME, f"nationality: same, {passage}")
    return Evidence(0.0, NATIONALITY_OTHER, f"nationality: {passage} not {'/'.join(listed)}")


def _sex(passage: str | None, listed: str | None) -> Evidence | None:
    # The same sex is no evidence once the given names matched: names are a sex's own.
    if not passage or not listed or passage == listed:
        return None
    return Evidence(0.0, SEX_OTHER, f"sex: {passage} not {listed}")


def _commonness(index: NameIndex, keys: Sequence[str], decades: float) -> tuple[float, str]:
    """What a name match lacks when it and the rest of the evidence (`decades`, beside the
    name) cannot tell the listed person from other travellers: the expected share of
    travellers who bear the matched name, f = the product of each matched token's
    `NameIndex.share` (given and family names taken as independent), and the score lost,
    EVIDENCE_DECADE per decade that log10(1/f) + `decades` falls short of log10(1/ONE_IN). A
    full-name match on a name one in 2,000 people bears (Mohamed ben Masoud) with nothing
    else is weak evidence, one on a name one in a million bears strong: without more the
    first is an innocent far more often than the listed man, and what is left of its score
    says so. A date of birth, a nationality, pay for a common name."""
    f = 1.0
    for k in dict.fromkeys(keys):
        f *= index.share(k)
    short = max(0.0, math.log10(f / ONE_IN) - decades)
    lost = EVIDENCE_DECADE * short
    text = f"about 1 in {max(1, round(1 / f)):,} bears the name"
    if decades:
        text += f", the rest {decades:+.1f} decades"
    return lost, text


class Screener:
    """Every active entry of the given lists, indexed; `screen()` one passage at a time."""

    def __init__(
        self,
        lists: Sequence[LoadedList],
        thresholds: Sequence[float] | None = None,
        on: dt.date | None = None,
    ) -> None:
        """Index the entries of `lists` in force `on` (default today)."""
        day = on or dt.date.today()
        self.lists = [lst.name for lst in lists]
        self.thresholds = list(thresholds or [DEFAULT_THRESHOLD] * len(lists))
        entries: list[LookoutEntry] = []
        self._list_of: list[int] = []
        self._by_document: dict[str, list[int]] = {}
        self._by_plate: dict[str, list[int]] = {}
        for li, lst in enumerate(lists):
            for entry in lst.entries:
                if not entry.active(day):
                    continue
                e = len(entries)
                entries.append(entry)
                self._list_of.append(li)
                for doc in entry.documents:
                    self._by_document.setdefault(doc, []).append(e)
                for plate in entry.plates:
                    self._by_plate.setdefault(plate, []).append(e)
        self.entries = entries
        self.index = NameIndex(entries)

    def _names(self, passage: Passage) -> dict[int, tuple[float, str, NameMatch]]:
        """Best name match per entry: (score, the passage name and listed name, match)."""
        best: dict[int, tuple[float, str, NameMatch]] = {}
        seen: dict[tuple[NameToken, NameToken], tuple[float, str]] = {}
        weight = self.index.weight
        # Entries born years away from the passage lose 0.3 (see _dob_evidence): under any
        # threshold above 0.73 they cannot hit on their name, so the index leaves them out.
        born = (
            int(passage.dob[:4]) if passage.dob and min(self.thresholds, default=1) > 0.73 else None
        )
        for pname in passage.names:
            ptoks = name_tokens(pname)
            if not ptoks:
                continue
            pw = [weight(t) for t in ptoks]
            for row in self.index.candidates(ptoks, born=born).tolist():
                e = int(self.index.row_entry[row])
                ltoks = self.index.row_tokens[row]
                match = name_match(ptoks, ltoks, pw + [weight(t) for t in ltoks], seen)
                if match.score <= 0 or (e in best and match.score <= best[e][0]):
                    continue
                lname = self.entries[e].names[int(self.index.row_name[row])]
                best[e] = (match.score, f"{pname!r} ~ {lname!r}", match)
        return best

    def _evidence(
        self, passage: Passage, entry: LookoutEntry, keys: Sequence[str], why: list[str]
    ) -> float:
        """The score a name match gains or loses by the rest of the passage (see the module
        docstring); each piece said in `why`."""
        change = decades = 0.0
        dob = _dob_evidence(passage.dob, entry.dob)
        if passage.dob and dob is None:
            change -= NO_DOB
            why.append(f"date of birth: none on the list to confirm (-{NO_DOB})")
        pieces = (dob, _nationality(passage.nationality, entry.nationality))
        for ev in (*pieces, _sex(passage.sex, entry.sex)):
            if ev is None:
                continue
            # A passage's date of birth is first NO_DOB short (see the module docstring).
            step = ev.penalty + EVIDENCE_DECADE * ev.decades - (NO_DOB if ev is dob else 0.0)
            change += step
            decades += ev.decades
            why.append(f"{ev.why} ({step:+.2f})")
        lost, text = _commonness(self.index, keys, decades)
        if lost > 0:
            change -= lost
            short = f"name and the rest short of one in {round(1 / ONE_IN):,}"
            why.append(f"{short}: {text} (-{lost:.2f})")
        return change

    def screen(self, passage: Passage) -> list[Hit]:
        """The hits of one passage, best first, each above its list's threshold."""
        names = self._names(passage)
        candidates = set(names)
        docs = self._by_document.get(passage.document or "", [])
        plates = self._by_plate.get(passage.plate or "", [])
        candidates.update(docs, plates)
        hits: list[Hit] = []
        for e in candidates:
            entry = self.entries[e]
            score, why = 0.0, []
            if e in names:
                score, text, match = names[e]
                why.append(f"name {score:.2f}: {text}")
                why.extend(f"  {a} ~ {b}: {how} ({s:.2f})" for a, b, s, how in match.pairs)
                if match.missing:
                    why.append(f"  not matched: {', '.join(match.missing)}")
                if match.reordered:
                    why.append(f"  in another order than any writing of one name (-{REORDERED})")
            if score > 0:
                score += self._evidence(passage, entry, names[e][2].keys, why)
            elif (dob := _dob_evidence(passage.dob, entry.dob)) is not None:
                why.append(dob.why)
            if e in docs:
                score = max(score, 0.97)
                why.append(f"document: same number {passage.document}")
            if e in plates:
                score = max(score, 0.9)
                why.append(f"plate: same plate {passage.plate}")
            score = min(1.0, max(0.0, score))
            li = self._list_of[e]
            if score >= self.thresholds[li]:
                hits.append(
                    Hit(list=self.lists[li], entry=entry.id, score=round(score, 3), why=why)
                )
        hits.sort(key=lambda h: (-h.score, h.list, h.entry))
        return hits
