"""The name model: a person's name in any script reduced to tokens that compare across
transliterations.

Why written here: ICU (through PyICU) does the script work: Arabic to Latin letters, accents
off. What no library does is know how Maghrebi and Libyan names are written. An Arabic name
carries its consonants and long vowels only; French, English and local transliterations spell
the same consonant differently (ق: q, k, g; ذ: dh, d, z; ش: ch, sh; خ: kh) and add vowels at
will; the article al-/el- is written, assimilated (Abderrahmane) or dropped; ben/bin/ibn and
abu/bou are joined to the next word or not; compounds (Abd Allah, Abdallah, Abdullah; Izz
al-Din, Ezzeddine) are one word or three; names come in any order. So each token gets:

- `latin`: lower-case ASCII letters (ICU `Any-Latin; Latin-ASCII` for any script);
- `skeleton`: its consonants mapped to classes that merge the letters transliterations
  confuse (K: q k g c; X: kh, خ; G: gh, غ; T: t d th dh z; S: s sh ch c; J: j dj; F: f ph v;
  B: b p; H, L, M, N, R; X and G are K again for the index, `coarse`), vowels (and w, y,
  the ayn and hamza marks) dropped, repeated classes collapsed, a final h dropped (ta
  marbuta, "-ah"). "القذافي", Gaddafi, Qadhafi, Kadhafi and Kazzafi all
  give "KTF"; "عبد الله", Abdallah, Abdullah and "Abd Allah" all give "BTL".
- `bare`: the skeleton without a leading article, when the token has one (al-, el-, ال):
  `alternatives` are compared, the best taken, so "al-Trabelsi" and "Trabelsi" meet.

Particles are joined to the word they govern, never dropped: "ben Ali", "Benali", "bin Ali"
and "بن علي" are the one token ben+ali, so "Ben Salah" stays apart from a given name Salah.
`abd` (with abdel/abdul/abdal and the article after it), `abu`/`abou`/`bou` and `bel` (Bel Hadj,
Belhadj) join likewise;
`al-Din`/`Eddine` and `Allah` join the word before them. Standalone articles vanish.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import icu
import msgspec

__all__ = ["NameToken", "coarse", "has_arabic", "name_tokens", "skeleton", "to_latin", "vocalised"]

_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
# Before ICU: letter forms that vary in writing but not in the name (hamza seats, alif
# maqsura as alif), short-vowel marks and tatweel removed, ta marbuta dropped (Fatma/فاطمة).
_ARABIC_FIX = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ا",  # alif maqsura is read a (Mustafa, Leila)
        "ؤ": "و",
        "ئ": "ي",
        "ة": None,
        "ـ": None,
        **{chr(c): None for c in range(0x064B, 0x0660)},
        "\u0670": None,
    }
)
_ARTICLES = {
    "a",
    "e",
    "al",
    "el",
    "ul",
    "il",
    "ol",
    "l",
    "ad",
    "ed",
    "ar",
    "er",
    "as",
    "es",
    "at",
    "et",
}
_ARTICLES |= {"az", "ez", "an", "en", "ash", "esh", "ech", "ach", "ed", "et"}
_SON = {"ben", "bin", "ibn", "ebn", "bent", "bint", "b", "bn", "ould", "wld"}
_ABD = {"abd", "bd", "abdl", "abdel", "abdul", "abdal", "abdol", "abdil", "abdu", "abdou"}
_ABU = {"abu", "abou", "abo", "abw", "bou", "bu", "bw", "aboul", "abul", "boul"}
_AFTER = {"din", "dine", "eddine", "eddin", "uddin", "addin", "ddine", "allah", "ellah", "ullah"}
_AFTER |= {"alla", "lah", "llah", "allh", "llh", "dyn"}
# Digraphs first (longest first), then single letters. Vowels and w, y map to "".
_DIGRAPHS = [
    ("sch", "S"),
    ("kh", "X"),
    ("gh", "G"),
    ("ch", "S"),
    ("sh", "S"),
    ("th", "T"),
    ("dh", "T"),
    ("dj", "J"),
    ("dz", "J"),
    ("ph", "F"),
    ("ck", "K"),
    ("qu", "K"),
    ("gu", "K"),
    ("ce", "Se"),
    ("ci", "Si"),
]
_LETTERS = str.maketrans(
    {
        **dict.fromkeys("aeiouyw"),
        **dict(zip("qkgcx", "KKKKK", strict=True)),
        **dict(zip("tdz", "TTT", strict=True)),
        "s": "S",
        "j": "J",
        "f": "F",
        "v": "F",
        "b": "B",
        "p": "B",
        "h": "H",
        "l": "L",
        "m": "M",
        "n": "N",
        "r": "R",
    }
)
# Arabic words reach the classes as ICU letters with خ as x and غ as v (see _ICU_DIGRAPHS).
_LETTERS_AR = {**_LETTERS, ord("x"): "X", ord("v"): "G"}
_DIGRAPH_RE = re.compile("|".join(d for d, _ in _DIGRAPHS))
_DIGRAPH_MAP = dict(_DIGRAPHS)
_RUNS = re.compile(r"(.)\1+")
_NOT_LETTERS = re.compile(r"[^a-z]+")
_TO_LATIN = icu.Transliterator.createInstance("Any-Latin; Latin-ASCII; Lower")
_ARABIC_LATIN = icu.Transliterator.createInstance("Arabic-Latin")
_TO_ASCII = icu.Transliterator.createInstance("Any-Latin; Latin-ASCII; Lower")
# ICU writes خ ذ ث ش غ as two letters marked with U+1E96 (kẖ, dẖ, ...), and ك+ه or س+ح as
# plain k h, s h. Folded to ASCII the two would read alike ("kh"), so the marked pairs become
# one letter of the same class first (x: K, z: T, t: T, s: S, g: K) and Arabic-script words
# are classed letter by letter, without Latin digraphs.
_ICU_DIGRAPHS = {"k\u1e96": "x", "d\u1e96": "z", "t\u1e96": "t", "s\u1e96": "s", "g\u1e96": "v"}


class NameToken(msgspec.Struct, frozen=True, gc=False):
    """One word of a name as compared: ASCII letters, consonant skeleton, and without article."""

    latin: str
    skeleton: str
    bare: str  # the skeleton without a leading article; == skeleton when there is none
    arabic: bool  # written in Arabic script: no short vowels to compare, skeleton only
    vocal: str = ""  # classes with vowels kept as A, I, U (see `vocalised`)

    @property
    def alternatives(self) -> tuple[str, ...]:
        """The skeletons this token may stand for (with and without its article)."""
        return (self.skeleton,) if self.bare == self.skeleton else (self.skeleton, self.bare)

    @property
    def key(self) -> str:
        """The bare skeleton with kh and gh as K (see `coarse`): what the index files."""
        return coarse(self.bare)

    @property
    def keys(self) -> tuple[str, ...]:
        """`alternatives`, coarse."""
        return tuple(coarse(a) for a in self.alternatives)


_COARSE = str.maketrans("XG", "KK")


def coarse(skeleton: str) -> str:
    """A skeleton with خ (X) and غ (G) read as K: transliterations do write ق as kh (Khadafy)
    and غ as g (Bashaga), so the index files them together and the scorer only discounts."""
    return skeleton.translate(_COARSE)


def has_arabic(text: str) -> bool:
    """Whether `text` has any Arabic-script letter."""
    return _ARABIC.search(text) is not None


@lru_cache(maxsize=200_000)
def to_latin(text: str) -> str:
    """`text` in lower-case ASCII letters and spaces (ICU transliteration from any script)."""
    text = unicodedata.normalize("NFC", text)
    if has_arabic(text):
        text = _ARABIC_LATIN.transliterate(text.translate(_ARABIC_FIX))
        for pair, letter in _ICU_DIGRAPHS.items():
            text = text.replace(pair, letter)
        latin = _TO_ASCII.transliterate(text)
    else:
        latin = _TO_LATIN.transliterate(text)
    # The ayn and hamza (ʿ ʾ ') carry no letter that transliterations agree on: dropped,
    # as are digits (Arabizi 3, 7) and punctuation; hyphens and dots separate words.
    latin = re.sub(r"[\u02bb\u02bc\u02be\u02bf'`\u2018\u2019\u00b4\d]", "", latin)
    return _NOT_LETTERS.sub(" ", latin).strip()


@lru_cache(maxsize=500_000)
def _classes(word: str, arabic: bool = False) -> str:
    """Consonant classes of one ASCII word, runs collapsed, the final h kept."""
    s = word if arabic else _DIGRAPH_RE.sub(lambda m: _DIGRAPH_MAP[m.group(0)], word)
    return _RUNS.sub(r"\1", s.translate(_LETTERS_AR if arabic else _LETTERS).upper())


_VOWELS = str.maketrans({"a": "A", "e": "A", "i": "I", "y": "I", "o": "U", "u": "U", "w": "U"})


@lru_cache(maxsize=500_000)
def vocalised(word: str, arabic: bool = False) -> str:
    """Consonant classes with the vowels kept as A (a, e), I (i, y), U (o, u, ou, w), runs
    collapsed: Latin spellings carry their vowels, which tell Mahmoud (MAHMUT) from Mohamed
    (MUHAMAT) and Jalil from Jellouli, where the skeletons agree. In Arabic script only the
    long vowels are written (محمود: MHMUT, محمد: MHMT)."""
    s = word if arabic else _DIGRAPH_RE.sub(lambda m: _DIGRAPH_MAP[m.group(0)], word)
    s = s.translate(_VOWELS)
    return _RUNS.sub(r"\1", s.translate(_LETTERS_AR if arabic else _LETTERS).upper())


def _finish(classes: str) -> str:
    s = _RUNS.sub(r"\1", classes)
    return s[:-1] if len(s) > 1 and s.endswith("H") else s


def skeleton(word: str, arabic: bool = False) -> str:
    """The consonant-class skeleton of one lower-case ASCII word (see the module docstring)."""
    return _finish(_classes(word, arabic))


def _article_split(word: str, contracted: bool = True) -> str | None:
    """The word without a leading al-/el- (or, `contracted`, the Tunisian l- of Larayedh,
    Labidi) when what follows is a name of its own."""
    for art in ("al", "el", "ul", "l"):
        rest = word[len(art) :]
        if art == "l" and not (contracted and word.startswith("la")):
            continue
        if not word.startswith(art) or len(rest) < 3:
            continue
        if len(skeleton(rest)) >= 2 or (len(rest) >= 4 and skeleton(rest)):
            return rest
    return None


def _split_abd(word: str) -> list[str]:
    """`abdelkader` -> abd + kader, `abdallah` -> abd + lah: the article inside an abd- word."""
    m = re.match(r"^abd(?:[aeiou]l(?=[a-z]{2})|[ou](?=[^aeiou]))?", word)
    return ["abd", word[m.end() :]] if m and len(word) > m.end() + 1 else [word]


@lru_cache(maxsize=500_000)
def _token(key: tuple[str, ...], arabic: bool) -> NameToken:
    # Cached: the same word in a million listed names is one object, compared once per query.
    parts = list(key)
    if len(parts) == 1 and parts[0].startswith("abd"):
        parts = _split_abd(parts[0])
    latin = "".join(parts)
    # Parts joined by the model are classed apart: "abd" + "zyz" must not read a "dz".
    sk = _finish("".join(_classes(p, arabic) for p in parts))
    if len(parts) > 1:
        return NameToken(latin, sk, sk, arabic, vocalised(latin, arabic))
    if arabic:
        word = latin
        if latin.startswith("al") and len(latin) > 3:
            # In Arabic script a leading ال is the article: only the name after it is compared.
            word = latin[2:]
            sk = skeleton(word, arabic=True)
        return NameToken(latin, sk, sk, arabic, vocalised(word, arabic=True))
    rest = _article_split(latin)
    bare = skeleton(rest) if rest is not None else sk
    return NameToken(latin, sk, bare, arabic, vocalised(rest or latin))


def _join(words: list[str]) -> list[list[str]]:
    """Articles dropped; ben/abd/abu joined to the next word, al-Din/Allah to the one before."""
    out: list[list[str]] = []
    pending: list[str] = []
    for i, word in enumerate(words):
        last = i == len(words) - 1
        if word in _ARTICLES and not last:
            continue
        if not last and (word in _SON or word in _ABD or word in _ABU or word == "bel"):
            pending.append(
                "ben"
                if word in _SON
                else "abd"
                if word in _ABD
                else "abu"
                if word in _ABU
                else word
            )
            continue
        if (word in _AFTER or _article_split(word) in _AFTER) and out and not pending:
            out[-1].append("allah" if "l" in word[-3:] else "din")
            continue
        if pending:
            rest = _article_split(word, contracted=False)
            if pending[-1] == "abd" and word[:2] in ("al", "el", "ul") and len(word) > 3:
                rest = word[2:]  # after abd always the article: عبد العزيز, not "al-Aziz" kept
            out.append([*pending, rest if rest is not None else word])
            pending = []
        else:
            out.append([word])
    if pending:
        out.append(pending)
    return out


@lru_cache(maxsize=200_000)
def name_tokens(name: str) -> tuple[NameToken, ...]:
    """The tokens of one full name as printed (any script, any order)."""
    arabic = has_arabic(name)
    words = to_latin(name).split()
    return tuple(_token(tuple(parts), arabic) for parts in _join(words))
