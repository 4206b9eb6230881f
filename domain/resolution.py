"""Which artist a person meant by what they typed: one they named exactly, one close enough
to a typo, several equally close (ask back), or none the bot knows (ask Spotify).

The name index answers one query with the stored names that share the most trigrams with
the typed key; everything after that is scoring here, in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from domain.models import NameCandidate
from domain.names import match_words, normalize_name
from domain.ports import NameIndex

# Enough to hold every name a short or common query shares trigrams with (all the "James"
# and "Jackson" acts, a name's aliases) while keeping the query and the scoring cheap.
CANDIDATE_LIMIT = 30

# The key as typed is a stored name or alias.
EXACT_SCORE = 1.0
# The same letters as a stored name once spaces and filler words are ignored ("acdc",
# "beatles", "guns and roses"): as good as exact unless a word boundary moved ...
SAME_LETTERS_SCORE = 0.95
# ... and each word boundary the person added or dropped makes it a little less sure:
# "william" has the letters of will.i.am but two boundaries fewer, which leaves it close
# enough to William Orbit's first word (below) for the bot to ask which one was meant.
WORD_BOUNDARY_PENALTY = 0.03
# Typing some of a name's words ("drake" for Nick Drake, "elvis") only ever makes the bot
# ask back between artists: on its own it may as well be another artist the bot has not
# stored yet (Drake), which Spotify's search knows better. The penalty puts an exact
# part (0.88) just under a same-letters match, and a part with a typo under a whole name
# with one ("drak" is Drake, never Nick Drake).
PART_OF_NAME_PENALTY = 0.12
# Shorter parts ("tom", "ice", "the") are words of too many names to mean any of them.
PART_OF_NAME_MIN_LETTERS = 4
# Spelling similarity is 1 - edit distance / length. One typo in four letters or more still
# counts ("stix" for Styx, "drak" for Drake); two in seven ("blondy" for Blondie) or one in
# three ("nes" for Nas) do not, nor does an artist who merely shares a first name ("james
# blunt" is 0.7 from James Blake): those go to Spotify's search instead.
ACCEPT_SCORE = 0.75
# Artists scoring within this of the best are as likely as it: the bot asks back.
# Below this, a word of a several-word name was replaced rather than misspelled ("jimmy"
# for "jimi" is 0.6; "isley" for "walker" 0.17).
WORD_MATCH_FLOOR = 0.5
AMBIGUITY_MARGIN = 0.05
# Quick replies the bot offers when asking back.
MAX_OPTIONS = 3

_LOWEST_CONTENDER = ACCEPT_SCORE - AMBIGUITY_MARGIN
# Keeps an edit budget such as 0.3 * 10 from rounding down to 2 in binary floating point.
_ROUNDING_SLACK = 1e-9


@dataclass(frozen=True)
class Found:
    """The stored artist the person meant; exact when they typed a stored name or alias."""

    artist_id: str
    artist_name: str
    key: str
    confidence: float
    exact: bool


@dataclass(frozen=True)
class Ambiguous:
    """Artists about equally close to what was typed, best first: ask which one. An option
    without an artist_id is one the bot knows only by the name it ships ("X or Y" with Y not
    stored yet): taking it looks the name up."""

    options: tuple[NameCandidate, ...]


@dataclass(frozen=True)
class Unknown:
    """No stored artist is close enough; search_as is what to ask Spotify for: the canonical
    name when a shipped name says who was meant ("aespa" for "에스파"; `shipped`), else the
    query."""

    search_as: str
    shipped: bool = False


Resolution = Found | Ambiguous | Unknown


def resolve(query: str, index: NameIndex) -> Resolution:
    """The artist `query` names among those `index` knows, with one index query."""
    cleaned = " ".join(query.split())
    key = normalize_name(cleaned)
    if not key:
        return Unknown(search_as=cleaned)
    return _resolution(cleaned, key, index.candidates(key, CANDIDATE_LIMIT))


def resolve_exactly(query: str, names: Sequence[NameCandidate]) -> Resolution | None:
    """What `query` names when it is exactly one of `names` (what NameIndex.exact answered
    for several keys at once), as `resolve` would find it; None when it is none of them."""
    cleaned = " ".join(query.split())
    key = normalize_name(cleaned)
    exact = [name for name in names if name.key == key]
    return _resolution(cleaned, key, exact) if key and exact else None


def _resolution(cleaned: str, key: str, candidates: Sequence[NameCandidate]) -> Resolution:
    # Only a stored name or alias typed as it is scores EXACT_SCORE, which no spelling
    # comparison of the others can reach: with one at hand they need not be compared.
    exact = [candidate for candidate in candidates if candidate.key == key]
    matches = [_match(key, candidate) for candidate in exact or candidates]
    answers = _best_per_artist(matches, lambda match: match.whole_name)
    if not answers or answers[0].whole_name < ACCEPT_SCORE:
        return Unknown(search_as=cleaned)
    best = answers[0]
    if not best.candidate.artist_id:
        return Unknown(search_as=best.candidate.artist_name, shipped=True)
    if best.whole_name == EXACT_SCORE:
        return _found(best)
    contenders = [
        match
        for match in _best_per_artist(matches, _Match.closeness)
        if match.candidate.artist_id and match.closeness() >= best.whole_name - AMBIGUITY_MARGIN
    ]
    if len(contenders) == 1:
        return _found(best)
    return Ambiguous(options=tuple(match.candidate for match in contenders[:MAX_OPTIONS]))


@dataclass(frozen=True)
class _Match:
    """How sure the bot can be, from 0 to 1, that a typed key meant a candidate's artist:
    by spelling its whole name, and by spelling some of its words."""

    candidate: NameCandidate
    whole_name: float
    part_of_name: float = 0.0

    def closeness(self) -> float:
        return max(self.whole_name, self.part_of_name)


def _found(match: _Match) -> Found:
    return Found(
        artist_id=match.candidate.artist_id,
        artist_name=match.candidate.artist_name,
        key=match.candidate.key,
        # Scores are sums of round constants: this drops binary noise like 0.9199999999999999.
        confidence=round(match.whole_name, 3),
        exact=match.whole_name == EXACT_SCORE,
    )


def _best_per_artist(matches: Iterable[_Match], score: Callable[[_Match], float]) -> list[_Match]:
    """One match per artist (its best name by score), best first; at equal scores the
    better whole-name match, a stored artist before a shipped name, then the more popular."""

    def rank(match: _Match) -> tuple[float, float, bool, int, str, str]:
        candidate = match.candidate
        return (
            -score(match),
            -match.whole_name,
            not candidate.artist_id,
            -(candidate.popularity or 0),
            candidate.artist_name,
            candidate.artist_id,
        )

    best: dict[tuple[str, str], _Match] = {}
    for match in sorted(matches, key=rank):
        candidate = match.candidate
        # A shipped name's artist is not stored: its canonical name stands for it.
        artist = (candidate.artist_id, "" if candidate.artist_id else candidate.artist_name)
        best.setdefault(artist, match)
    return list(best.values())


def _match(key: str, candidate: NameCandidate) -> _Match:
    if key == candidate.key:
        return _Match(candidate, EXACT_SCORE)
    typed_words, stored_words = match_words(key), match_words(candidate.key)
    typed_all, stored_all = key.split(" "), candidate.key.split(" ")
    if "".join(typed_words) == "".join(stored_words):
        moved = abs(len(typed_words) - len(stored_words))
        return _Match(candidate, SAME_LETTERS_SCORE - WORD_BOUNDARY_PENALTY * moved)
    if "".join(typed_all) == "".join(stored_all):
        moved = abs(len(typed_all) - len(stored_all))
        return _Match(candidate, SAME_LETTERS_SCORE - WORD_BOUNDARY_PENALTY * moved)
    typed = "".join(typed_words)
    # Filler words stay out of the comparison: a shared "the" would make short names
    # look alike ("the ruts" is not a typo of "the roots").
    whole_name = _spelling_similarity(typed, "".join(stored_words), _LOWEST_CONTENDER)
    if len(typed_words) == len(stored_words) > 1 and any(
        _spelling_similarity(typed_word, stored_word, 0.0) < WORD_MATCH_FLOOR
        for typed_word, stored_word in zip(typed_words, stored_words, strict=True)
    ):
        # A long shared word hides a wholly different one ("isley brothers" is not
        # "walker brothers"): a typo spoils a word, it does not replace it.
        whole_name = 0.0
    return _Match(candidate, whole_name, _part_of_name_score(typed, stored_words))


def _part_of_name_score(typed: str, stored_words: tuple[str, ...]) -> float:
    """The best spelling match of the typed letters against a run of the name's words that
    leaves at least one word out ("zeppelin", "chili peppers"), less the part-of-name
    penalty."""
    if len(typed) < PART_OF_NAME_MIN_LETTERS:
        return 0.0
    lowest_useful = _LOWEST_CONTENDER + PART_OF_NAME_PENALTY
    best = 0.0
    for length in range(1, len(stored_words)):
        for start in range(len(stored_words) - length + 1):
            part = "".join(stored_words[start : start + length])
            best = max(best, _spelling_similarity(typed, part, lowest_useful))
    return max(0.0, best - PART_OF_NAME_PENALTY)


def _spelling_similarity(typed: str, stored: str, lowest_useful: float) -> float:
    """1 - edit distance / the longer length, where a swap of two neighbouring letters is
    one edit ("beatels"); 0 when below lowest_useful."""
    longest = max(len(typed), len(stored))
    most_edits = int(longest * (1 - lowest_useful) + _ROUNDING_SLACK)
    distance = _edit_distance(typed, stored, most_edits)
    if not longest or distance > most_edits:
        return 0.0
    return 1 - distance / longest


def _edit_distance(source: str, target: str, most: int) -> int:
    """Optimal string alignment distance (insertions, deletions, substitutions and swaps
    of adjacent letters, each costing one), or most + 1 as soon as it must exceed most."""
    beyond = most + 1
    if abs(len(source) - len(target)) > most:
        return beyond
    before_previous: list[int] = []
    previous = [min(column, beyond) for column in range(len(target) + 1)]
    for row, source_letter in enumerate(source, start=1):
        current = [beyond] * (len(target) + 1)
        current[0] = min(row, beyond)
        # Cells further than `most` from the diagonal cost more than `most` edits.
        for column in range(max(1, row - most), min(len(target), row + most) + 1):
            target_letter = target[column - 1]
            cost = 0 if source_letter == target_letter else 1
            best = min(previous[column] + 1, current[column - 1] + 1, previous[column - 1] + cost)
            if (
                row > 1
                and column > 1
                and source_letter == target[column - 2]
                and source[row - 2] == target_letter
            ):
                best = min(best, before_previous[column - 2] + 1)
            current[column] = min(best, beyond)
        # Every later cell builds on one of the last two rows: once both are past the
        # bound, so is the distance.
        if min(current) > most and min(previous) > most:
            return beyond
        before_previous, previous = previous, current
    return previous[-1]
