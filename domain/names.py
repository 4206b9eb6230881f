"""How a typed artist name becomes the key the bot looks it up by."""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s\-_/.,·・]+")
_DROPPED = re.compile(r"[^\w\s]")


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
