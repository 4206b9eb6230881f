"""How a typed artist name becomes the key the bot looks it up by, and which stored names
share enough of its letters to be what the person meant.

The trigram functions here are the definition the PostgreSQL name index mirrors
(contracts/migrations/0002_name_index.sql): change one, change the other.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

from domain.models import NameCandidate

_SEPARATORS = re.compile(r"[\s\-_/.,·・]+")
_DROPPED = re.compile(r"[^\w\s]")

# Words people add, drop or swap without meaning another artist: "Beatles" for The Beatles,
# "Guns and Roses" for Guns N' Roses, "Florence and the Machine" for Florence + The Machine.
FILLER_WORDS = frozenset({"the", "and", "n"})


def normalize_name(name: str) -> str:
    """A lookup key that ignores case, accents, width, punctuation and spacing.

    "Beyoncé", "BEYONCE" and "beyonce " share a key; Hangul and other scripts are kept
    as they are after NFKC, so "에스파" stays a key of its own.
    """
    composed = unicodedata.normalize("NFKC", name).casefold()
    decomposed = unicodedata.normalize("NFKD", composed)
    # Hangul decomposes into jamo (letters, not marks) and NFC puts it back together,
    # so dropping nonspacing marks strips diacritics only.
    without_accents = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    recomposed = unicodedata.normalize("NFC", without_accents)
    spaced = _SEPARATORS.sub(" ", recomposed.replace("&", " and "))
    return " ".join(_DROPPED.sub("", spaced).split())


def match_words(key: str) -> tuple[str, ...]:
    """The words of a normalized key that tell artists apart: filler words dropped, unless
    nothing else is left ("The The" keeps both)."""
    words = tuple(key.split(" ")) if key else ()
    kept = tuple(word for word in words if word not in FILLER_WORDS)
    return kept or words


# rank_candidates splits every name it is given on every call, and the same keys come back
# call after call; a trigram set is a few dozen short strings.
@functools.lru_cache(maxsize=8192)
def name_trigrams(key: str) -> frozenset[str]:
    """The character trigrams of a normalized key, as the name index stores them.

    Taken from each match word and from all of them run together, each padded with two
    spaces in front and one behind: "ac dc" and "acdc" then share most trigrams, and so do
    "zepelin" and "led zeppelin".
    """
    words = match_words(key)
    pieces = {*words, "".join(words)} if words else set()
    return frozenset(
        padded[start : start + 3]
        for padded in (f"  {piece} " for piece in pieces)
        for start in range(len(padded) - 2)
    )


def rank_candidates(key: str, names: Iterable[NameCandidate], limit: int) -> list[NameCandidate]:
    """What NameIndex.candidates answers for `key` when `names` are every name it holds.

    Only names sharing a trigram with the key count. They come by how many they share, then
    by how few trigrams they have (a name that is little more than the shared part is
    closer), then by key in code point order, then by popularity (unknown last), artist ID
    (shipped names without one last) and name, so every index answers alike, in one order.
    """
    wanted = name_trigrams(key)
    scored = []
    for name in dict.fromkeys(names):
        trigrams = name_trigrams(name.key)
        shared = len(wanted & trigrams)
        if shared:
            scored.append((_order(shared, len(trigrams), name), name))
    scored.sort(key=lambda entry: entry[0])
    return [name for _, name in scored[: max(limit, 0)]]


def _order(
    shared: int, trigram_count: int, name: NameCandidate
) -> tuple[int, int, str, bool, int, bool, str, str]:
    unknown_popularity = name.popularity is None
    return (
        -shared,
        trigram_count,
        name.key,
        unknown_popularity,
        -(name.popularity or 0),
        not name.artist_id,
        name.artist_id,
        name.artist_name,
    )
