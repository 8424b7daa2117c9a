"""Travellers' names for the twin's crossing posts and the checkpoint benchmarks, made
independently of the matcher.

The matcher (`borderwatch.ops.checkpoints.names`) goes from written letters to consonant
classes. This generator goes the other way, and shares no code with it: a person's name is a
list of components, each a string of phonemes (Arabic consonants, short and long vowels);
from them it writes the Arabic spelling (consonants and long vowels, hamza seats, ta marbuta,
the article ال) and Latin spellings by the conventions people actually use: French as in
Tunisian and Algerian papers (ch, dj, ou, k/g for ق, e for short a), English as on partner
lists (sh, j, u, q, al-, bin, Abdul), Libyan usage (g for ق, z for ذ), and ICAO upper case;
each letter's rendering drawn at random within a convention, geminates doubled or not, the
article written, assimilated (Ettounsi, Abderrahmane), joined or dropped, ben/bin/ibn and
abd/abu/bel compounds joined or not. Passages then reorder names, drop the father's name and
add typing errors.

Family names come from a hand list of real Tunisian and Libyan names and from a small
grammar of nisba and pattern names (C a C C aa C ii ...) so the set is not a closed list the
matcher could have been tuned on. (`bench.checkpoint_data.REAL_WORLD` is a separate,
hand-written set of real people's names as the press and lists have printed them, none
produced by this generator.) Moved here from `bench/checkpoint_data.py` so the twin's posts
(`twin.checkpoints`) write their travellers' documents with it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["Person", "make_person", "render"]

# phoneme: (Arabic letter, {convention: renderings})
_C: dict[str, tuple[str, dict[str, list[str]]]] = {
    "b": ("ب", {"*": ["b"]}),
    "t": ("ت", {"*": ["t"]}),
    "th": ("ث", {"fr": ["t", "th"], "en": ["th"], "ly": ["t", "th"]}),
    "j": ("ج", {"fr": ["dj", "j"], "en": ["j"], "ly": ["j"]}),
    "H": ("ح", {"*": ["h"]}),
    "kh": ("خ", {"*": ["kh"]}),
    "d": ("د", {"*": ["d"]}),
    "dh": ("ذ", {"fr": ["d", "dh", "z"], "en": ["dh", "d"], "ly": ["z", "d", "th"]}),
    "r": ("ر", {"*": ["r"]}),
    "z": ("ز", {"*": ["z"]}),
    "s": ("س", {"*": ["s"]}),
    "sh": ("ش", {"fr": ["ch"], "en": ["sh"], "ly": ["sh", "ch"]}),
    "S": ("ص", {"*": ["s"]}),
    "D": ("ض", {"fr": ["d", "dh"], "en": ["d", "dh"], "ly": ["d", "dh", "z"]}),
    "T": ("ط", {"*": ["t"]}),
    "Z": ("ظ", {"fr": ["dh", "z", "d"], "en": ["z", "dh"], "ly": ["z", "dh"]}),
    "E": ("ع", {"fr": [""], "en": ["", "", "'"], "ly": [""]}),
    "gh": ("غ", {"*": ["gh"]}),
    "f": ("ف", {"*": ["f"]}),
    "q": ("ق", {"fr": ["k", "g", "q"], "en": ["q", "q", "k"], "ly": ["g", "g", "q"]}),
    "k": ("ك", {"*": ["k"]}),
    "l": ("ل", {"*": ["l"]}),
    "m": ("م", {"*": ["m"]}),
    "n": ("ن", {"*": ["n"]}),
    "h": ("ه", {"*": ["h"]}),
    "w": ("و", {"fr": ["ou", "w"], "en": ["w"], "ly": ["w"]}),
    "y": ("ي", {"*": ["y"]}),
    "'": ("ء", {"fr": [""], "en": ["", "'"], "ly": [""]}),
}
_V: dict[str, dict[str, list[str]]] = {
    "a": {"fr": ["a", "a", "e"], "en": ["a"], "ly": ["a", "e"]},
    "i": {"fr": ["i", "e"], "en": ["i", "i", "e"], "ly": ["i", "e"]},
    "u": {"fr": ["ou", "o", "u"], "en": ["u", "u", "o"], "ly": ["u", "o"]},
    "aa": {"fr": ["a"], "en": ["a", "a", "aa"], "ly": ["a"]},
    "ii": {"fr": ["i"], "en": ["i", "i", "ee"], "ly": ["i"]},
    "uu": {"fr": ["ou"], "en": ["u", "oo", "ou"], "ly": ["u", "ou"]},
    "@": {"fr": ["a"], "en": ["a", "ah"], "ly": ["a"]},  # ta marbuta
    "A": {"fr": ["a"], "en": ["a"], "ly": ["a"]},  # alif maqsura
}
_SUN = {"t", "th", "d", "dh", "r", "z", "s", "sh", "S", "D", "T", "Z", "l", "n"}

# Given names (male, female), as phonemes; "abd:" and "abu:" mark compounds.
MALE = [
    "m u H a m m a d",
    "' a H m a d",
    "m a H m uu d",
    "E a l ii",
    "E u m a r",
    "H a s a n",
    "H u s a y n",
    "y uu s u f",
    "' i b r aa h ii m",
    "kh aa l i d",
    "kh a l ii f a @",
    "S aa l i H",
    "m u S T a f A",
    "abd:' a l l aa h",
    "abd:r a H m aa n",
    "abd:q aa d i r",
    "abd:E a z ii z",
    "abd:k a r ii m",
    "abd:H a m ii d",
    "abd:j a l ii l",
    "abd:b aa s i T",
    "abd:r a z z aa q",
    "abd:H a k ii m",
    "abd:l a T ii f",
    "abd:s a l aa m",
    "abd:w a h h aa b",
    "abu:b a k r",
    "f a t H ii",
    "sh u k r ii",
    "H a m z a @",
    "b i l aa l",
    "T aa r i q",
    "w a l ii d",
    "n a b ii l",
    "j a m aa l",
    "k a m aa l",
    "f a y S a l",
    "m u n ii r",
    "s aa m ii",
    "E aa d i l",
    "h aa d ii",
    "H a b ii b",
    "l u T f ii",
    "m u n S i f",
    "r i D aa",
    "S aa d i q",
    "T aa h i r",
    "H a m d ii",
    "n i z aa r",
    "m a r w aa n",
    "b a sh ii r",
    "m a b r uu k",
    "m a s E uu d",
    "m i f t aa H",
    "r a m a D aa n",
    "j u m E a @",
    "s a E d",
    "f a r a j",
    "' a y m a n",
    "' i s m aa E ii l",
    "E u th m aa n",
    "y uu n u s",
]
FEMALE = [
    "f aa T i m a @",
    "E aa ' i sh a @",
    "kh a d ii j a @",
    "m a r y a m",
    "' aa m i n a @",
    "s a l m A",
    "l a y l A",
    "z a y n a b",
    "n aa d i y a @",
    "s a m ii r a @",
    "n a j aa t",
    "r ii m",
    "h u d A",
    "s u E aa d",
    "n uu r a @",
    "m a b r uu k a @",
    "j a m ii l a @",
    "w a f aa ' a@",
]
# Real family names; "al " marks those written with the article.
FAMILY = [
    "al q a dh dh aa f ii",
    "al T a r aa b u l s ii",
    "al gh a n n uu sh ii",
    "al j a b aa l ii",
    "al w a r f a l l ii",
    "al m i S r aa t ii",
    "al s a n uu s ii",
    "al m a q r a H ii",
    "al z i n t aa n ii",
    "al gh a r y aa n ii",
    "al t a r h uu n ii",
    "al z aa w ii",
    "al E u b a y d ii",
    "al m a H m uu d ii",
    "al j a z ii r ii",
    "al H a m m aa m ii",
    "al m a r z uu q ii",
    "al m a j r ii",
    "al sh aa b b ii",
    "b uu E a z ii z ii",
    "H a m r uu n ii",
    "d r ii d ii",
    "al z a w w aa r ii",
    "al E a y y aa r ii",
    "s aa s s ii",
    "al gh a r b ii",
    "sh a E b aa n",
    "bel:H aa j j",
    "H a f t a r",
    "al d u b a y b a @",
    "b aa sh aa gh a @",
    "al k uu n ii",
    "j a l ii l",
    "sh a l q a m",
    "al b a k k uu sh",
    "al q a sh sh aa T",
    "al m a s m aa r ii",
    "al s i b s ii",
    "kh a r r uu b ii",
    "al f i q ii h",
    "al b a r aa h m ii",
    "al t uu n s ii",
    "al j a l l uu l ii",
    "b a l E ii d",
    "q a r q uu r",
]
_CONS = [
    "b",
    "t",
    "th",
    "j",
    "H",
    "kh",
    "d",
    "dh",
    "r",
    "z",
    "s",
    "sh",
    "S",
    "D",
    "T",
    "Z",
    "E",
    "gh",
    "f",
    "q",
    "k",
    "l",
    "m",
    "n",
    "h",
]
_FREQ = [3, 3, 1, 3, 4, 2, 3, 1, 5, 2, 4, 2, 2, 1, 2, 1, 3, 2, 2, 3, 2, 5, 5, 5, 2]


def _synthetic_family(rng: random.Random) -> str:
    """A plausible family name by pattern: nisba, broken plural, or ben + given name."""
    c = rng.choices(_CONS, weights=_FREQ, k=5)
    pattern = rng.random()
    if pattern < 0.3:
        body = f"{c[0]} a {c[1]} {c[2]} aa {c[3]} ii"
    elif pattern < 0.45:
        body = f"{c[0]} a {c[1]} aa {c[2]} ii"
    elif pattern < 0.6:
        body = f"{c[0]} a {c[1]} {c[2]} uu {c[3]} ii"
    elif pattern < 0.7:
        body = f"{c[0]} u {c[1]} a {c[2]} {c[3]} i {c[4]}"
    elif pattern < 0.85:
        body = f"{c[0]} a {c[1]} {c[2]} uu {c[3]}"
    else:
        return "ben:" + rng.choice(MALE).removeprefix("abd:").removeprefix("abu:")
    return ("al " if rng.random() < 0.5 else "") + body


@dataclass(frozen=True)
class Person:
    """A person as phoneme components: given, father (maybe), grandfather (maybe), family."""

    given: str
    father: str | None
    grandfather: str | None
    family: str
    dob: str  # YYYY-MM-DD


def make_person(rng: random.Random, synthetic_share: float = 0.9) -> Person:
    """A random person; given names Zipf-like (Mohamed is common), family names varied: one in
    ten from the hand list of real names, the rest by pattern (their spread sets how many
    innocents share a listed person's full name; `checkpoint_names` reports that share)."""
    female = rng.random() < 0.3
    pool = FEMALE if female else MALE
    given = pool[
        min(int(rng.paretovariate(1.2)) - 1, len(pool) - 1)
        if rng.random() < 0.5
        else rng.randrange(len(pool))
    ]
    father = rng.choice(MALE) if rng.random() < 0.7 else None
    grand = rng.choice(MALE) if father and rng.random() < 0.2 else None
    family = _synthetic_family(rng) if rng.random() < synthetic_share else rng.choice(FAMILY)
    year, month, day = rng.randint(1945, 2005), rng.randint(1, 12), rng.randint(1, 28)
    return Person(given, father, grand, family, f"{year:04d}-{month:02d}-{day:02d}")


# --- writing -----------------------------------------------------------------------------------


def _arabic_word(ph: list[str]) -> str:
    out = []
    for i, p in enumerate(ph):
        if p in _C:
            if i > 0 and ph[i - 1] == p:
                continue  # shadda is not written
            if p == "'":
                nxt = ph[i + 1] if i + 1 < len(ph) else ""
                out.append(
                    "إ"
                    if i == 0 and nxt == "i"
                    else "أ"
                    if i == 0
                    else "ئ"
                    if nxt in ("i", "ii")
                    else "ء"
                )
                continue
            out.append(_C[p][0])
        elif p == "aa":
            out.append("ا")
        elif p == "ii":
            out.append("ي")
        elif p == "uu":
            out.append("و")
        elif p == "@":
            out.append("ة")
        elif p == "A":
            out.append("ى")
    return "".join(out)


def _latin_word(ph: list[str], conv: str, rng: random.Random) -> str:
    out = []
    for i, p in enumerate(ph):
        if p in _C:
            table = _C[p][1]
            choice = rng.choice(table.get(conv, table.get("*", [""])))
            if i > 0 and ph[i - 1] == p:
                out.append(choice if rng.random() < (0.7 if conv == "fr" else 0.5) else "")
                continue
            out.append(choice)
        elif p in _V:
            nxt = ph[i + 1] if i + 1 < len(ph) else ""
            if p == "a" and nxt == "y" and conv == "fr":
                out.append(rng.choice(["e", "ai", "a"]))
                continue
            out.append(rng.choice(_V[p][conv]))
    return "".join(out)


def _article(first: str, conv: str, rng: random.Random, word: str) -> str:
    """The Latin article before `word` by convention: written, assimilated, joined or dropped."""
    if conv == "fr":
        if first in _SUN and rng.random() < 0.4:
            low = word.lower()
            head = low[:2] if low[:2] in ("ch", "th", "dh", "sh") else low[0]
            return "E" + head + low  # Ettounsi, Essebsi, Echchabbi
        form = rng.choice(["", "", "El ", "El-", "El", "Al "])
    elif conv == "en":
        form = rng.choice(["al-", "Al-", "al-", "", "el-", "Al "])
    else:
        form = rng.choice(["Al-", "El", "", "Al "])
    return form + (word if form.endswith((" ", "-")) or not form else word.lower())


def _component(comp: str, conv: str, rng: random.Random) -> str:
    """One name component written in Latin (conv) or Arabic (conv == "ar")."""
    kind, _, rest = comp.partition(":") if ":" in comp else ("", "", comp)
    art = rest.startswith("al ")
    ph = rest.removeprefix("al ").split()
    if conv == "ar":
        word = ("ال" if art and rng.random() < 0.95 else "") + _arabic_word(ph)
        if kind == "abd":
            return "عبد " + ("الله" if ph[:2] == ["'", "a"] else "ال" + _arabic_word(ph))
        return {"ben": "بن ", "abu": "أبو ", "bel": "بل"}.get(kind, "") + word
    word = _latin_word(ph, conv, rng).capitalize()
    if kind == "abd":
        if ph[:2] == ["'", "a"]:
            return rng.choice(
                {
                    "fr": ["Abdallah", "Abdellah"],
                    "en": ["Abdullah", "Abd Allah", "Abdulla"],
                    "ly": ["Abdalla", "Abdallah"],
                }[conv]
            )
        low = word.lower()
        sun = ph[0] in _SUN
        options = {
            "fr": ["Abdel" + low, "Abd El " + word, "Abdel " + word]
            + (["Abde" + low[0] + low] if sun else []),
            "en": ["Abd al-" + word, "Abdul " + word, "Abdul" + low]
            + (["Abdu" + low[0] + low] if sun else []),
            "ly": ["Abdel" + low, "Abdul" + low, "Abd Al" + low],
        }[conv]
        return rng.choice(options)
    if kind == "abu":
        return rng.choice(
            {
                "fr": ["Bou" + word.lower(), "Abou " + word],
                "en": ["Abu " + word, "Abu" + word.lower()],
                "ly": ["Abu " + word, "Bu" + word.lower()],
            }[conv]
        )
    if kind == "ben":
        return rng.choice(
            {
                "fr": ["Ben " + word, "Ben" + word.lower()],
                "en": ["bin " + word, "Bin " + word, "ibn " + word],
                "ly": ["Ben " + word, "Bin " + word],
            }[conv]
        )
    if kind == "bel":
        return rng.choice(["Bel" + word.lower(), "Bel " + word])
    return _article(ph[0], conv, rng, word) if art else word


def _typo(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    idx = [i for i, w in enumerate(words) if len(w) >= 5]
    if not idx:
        return text
    i = rng.choice(idx)
    w = words[i]
    k = rng.randrange(1, len(w) - 1)
    op = rng.random()
    if op < 0.3:
        w = w[:k] + w[k + 1 :]
    elif op < 0.55:
        w = w[:k] + w[k] + w[k:]
    elif op < 0.8:
        w = w[:k] + w[k + 1] + w[k] + w[k + 2 :]
    else:
        w = w[:k] + rng.choice("aeioulnrstm") + w[k + 1 :]
    words[i] = w
    return " ".join(words)


def render(
    person: Person,
    conv: str,
    rng: random.Random,
    *,
    drop_middle: bool = False,
    family_first: bool = False,
    typo: bool = False,
    upper: bool = False,
) -> str:
    """The person's full name written in one convention ("fr", "en", "ly" or "ar")."""
    parts = [person.given]
    if not drop_middle:
        parts += [p for p in (person.father, person.grandfather) if p]
    written = [_component(p, conv, rng) for p in parts]
    family = _component(person.family, conv, rng)
    words = [family, *written] if family_first else [*written, family]
    text = " ".join(w for w in words if w)
    if typo and conv != "ar":
        text = _typo(text, rng)
    return text.upper() if upper and conv != "ar" else text
