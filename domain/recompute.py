"""Keep the serving lists current as artists arrive, without recomputing the catalog.

For each changed artist: its embedding is stored in the generation's nearest cell, the
closest embeddings of the cells nearest its own are scored exactly, and the best become its
list. Other artists' lists may change too: those it was compared with whose list has room
or whose weakest score its estimated score comes near (the contenders), and those that
already list it. A newcomer enters when it beats the weakest entry; an entry for a changed
artist takes its new score, or leaves. When a full list loses strength that way, an artist
never compared might now belong in it: an exact generation searches that list again, a
larger one keeps what it knows until the next rebuild. Work grows with the size of a cell,
not of the catalog.

An artist's collaborators change with it (who recorded with whom is part of both), so the
stored ones are updated too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet

import numpy as np

from domain.errors import WriteConflictError
from domain.models import Neighbour, ScoredArtist, SimilarityProfile
from domain.neighbour_search import (
    FeatureMatrix,
    Ints,
    best_neighbours,
    exact_scores,
    nearest_cells_of,
)
from domain.ports import ListsInWork, SimilarityStore
from domain.similarity import NEIGHBOURS_KEPT, embedding, profile_features, ranking_key

_Placed = dict[str, tuple[list[float], list[int]]]
# How far below a list's weakest score an embedding's estimate may fall and still be scored
# exactly: several times the spread of the estimate's error (docs/similarity.md).
ESTIMATE_MARGIN = 0.15
# Writers of lists take turns, so only a transaction writing the same rows outside that turn
# (a rebuild storing the embeddings it computed) can collide with an update: rarely, and
# briefly enough for a few attempts to outlast it. The workflow's own retries come after.
UPDATE_ATTEMPTS = 3


def recompute_similarity(artist_ids: Sequence[str], store: SimilarityStore) -> list[str]:
    """Update the serving generation for these artists. Returns every artist whose list
    was rewritten, sorted.

    An update the database rolled back for colliding with another transaction is done
    again from the start, up to UPDATE_ATTEMPTS times in all: what it read is gone with it.
    """
    attempts_left = UPDATE_ATTEMPTS
    while True:
        try:
            with store.updating() as work:
                return update_lists(artist_ids, work)
        except WriteConflictError:
            attempts_left -= 1
            if attempts_left == 0:
                raise


def update_lists(artist_ids: Sequence[str], work: ListsInWork) -> list[str]:
    """Vectors and lists for the given artists and their stored collaborators, then the
    lists they enter or leave, in the generation held by work."""
    changed = _with_collaborators(work.profiles(sorted(set(artist_ids))), work)
    changed_ids = [profile.artist_id for profile in changed]
    known = {profile.artist_id: profile for profile in changed}
    placed = _placed(changed, work)
    work.save_vectors(
        {
            artist_id: (placed[artist_id][0], placed[artist_id][1][0])
            if artist_id in placed
            else None
            for artist_id in known
        }
    )
    candidates = _candidates(placed, work)
    # Every candidate is scored for the changed artists' own lists; only contenders, and
    # the lists that already hold a changed artist, are revised.
    others = sorted(
        (_contenders(candidates, work) | set(work.listing(sorted(known)))) - known.keys()
    )
    scored = {c for found in candidates.values() for c, _ in found} | set(others)
    known.update(
        (profile.artist_id, profile) for profile in work.profiles(sorted(scored - known.keys()))
    )
    scorer = _Scorer(known.values())

    lists = {
        artist_id: scorer.best(artist_id, [c for c, _ in candidates[artist_id]])
        if artist_id in placed
        else []
        for artist_id in changed_ids
    }
    current = work.current_lists(others)
    searched_again: list[str] = []
    changed_set = set(changed_ids)
    popularity = {artist_id: profile.popularity for artist_id, profile in known.items()}
    for other, scores in scorer.scores(changed_ids, others).items():
        revised = revise_list(
            other, current.get(other, []), scores, changed_set, popularity, exact=work.plan.exact
        )
        if isinstance(revised, _SearchAgain):
            searched_again.append(other)
        elif revised is not None:
            lists[other] = revised
    if searched_again:
        lists.update(_searched_again(searched_again, known, work))
    work.replace_lists(lists)
    return sorted(lists)


class _SearchAgain:
    """A full list lost strength: it must be searched again, not merged."""


_SEARCH_AGAIN = _SearchAgain()


def revise_list(
    artist_id: str,
    current: Sequence[ScoredArtist],
    scores: Mapping[str, float],
    changed: AbstractSet[str],
    popularity: Mapping[str, int | None],
    *,
    exact: bool = True,
) -> list[Neighbour] | _SearchAgain | None:
    """The list after changed artists take their new scores with its owner; None when
    nothing changes, _SEARCH_AGAIN when it cannot be known without searching.

    scores holds the positive exact scores of changed artists with the owner; a changed
    artist missing from it scores nothing and leaves the list. A full list whose changed
    entry fell below its weakest score must be searched again: an artist never compared
    may now belong where it was. Only exact plans do so; at catalog scale one search per
    such list would cost more than the whole update, so the list keeps what it knows (the
    entry at its new score, or one entry short) until the next rebuild.
    """
    full = exact and len(current) >= NEIGHBOURS_KEPT
    floor = current[-1].score if current else 0.0
    if full and any(
        entry.artist_id in changed and scores.get(entry.artist_id, 0.0) < floor for entry in current
    ):
        return _SEARCH_AGAIN
    merged = [
        (entry.artist_id, entry.score, entry.popularity)
        for entry in current
        if entry.artist_id not in changed
    ]
    merged += [(a, score, popularity[a]) for a, score in scores.items() if a != artist_id]
    ranked = sorted(merged, key=lambda e: ranking_key(e[1], e[2], e[0]))[:NEIGHBOURS_KEPT]
    if [(a, score) for a, score, _ in ranked] == [(e.artist_id, e.score) for e in current]:
        return None
    return [
        Neighbour(artist_id=artist_id, similar_id=similar, rank=rank, score=score)
        for rank, (similar, score, _) in enumerate(ranked, start=1)
    ]


class _Scorer:
    """Exact scores among a known set of profiles."""

    def __init__(self, profiles: Iterable[SimilarityProfile]) -> None:
        self._matrix = FeatureMatrix.build(
            (profile.artist_id, profile.popularity, profile_features(profile))
            for profile in profiles
        )
        self._row_of = {a: row for row, a in enumerate(self._matrix.artist_ids.tolist())}

    def best(self, artist_id: str, candidates: Sequence[str]) -> list[Neighbour]:
        query = np.array([self._row_of[artist_id]], dtype=np.int64)
        rows = self._rows(candidates)
        found = best_neighbours(self._matrix, query, rows, exact_scores(self._matrix, query, rows))
        return found.neighbours(self._matrix.artist_ids)

    def scores(self, changed: Sequence[str], others: Sequence[str]) -> dict[str, dict[str, float]]:
        """For each of others, the changed artists that score above zero with it, all in
        one product."""
        changed_rows, other_rows = self._rows(changed), self._rows(others)
        table = exact_scores(self._matrix, other_rows, changed_rows)
        changed_at = self._matrix.artist_ids[changed_rows]
        found: dict[str, dict[str, float]] = {other: {} for other in others}
        for other, row in zip(self._matrix.artist_ids[other_rows].tolist(), table, strict=True):
            positive = np.flatnonzero(row > 0)
            found[other] = dict(
                zip(changed_at[positive].tolist(), row[positive].tolist(), strict=True)
            )
        return found

    def _rows(self, artist_ids: Sequence[str]) -> Ints:
        return np.array([self._row_of[a] for a in artist_ids if a in self._row_of], dtype=np.int64)


def _placed(profiles: Sequence[SimilarityProfile], work: ListsInWork) -> _Placed:
    """Each embedding with the cells it searches, its own first."""
    centroids = work.centroids()
    placed: _Placed = {}
    for profile in profiles:
        vector = embedding(profile_features(profile))
        if vector is not None:
            cells = nearest_cells_of(np.array([vector], np.float32), centroids, work.plan.probes)
            placed[profile.artist_id] = (vector, [int(cell) for cell in cells[0]])
    return placed


def _contenders(
    candidates: Mapping[str, Sequence[tuple[str, float]]], work: ListsInWork
) -> set[str]:
    """The candidates whose own lists a changed artist may enter: in an exact plan all of
    them; at catalog scale those with room left, or whose weakest score the changed
    artist's estimated score comes within ESTIMATE_MARGIN of."""
    everyone = {c for found in candidates.values() for c, _ in found}
    if work.plan.exact:
        return everyone
    floors = work.floors(sorted(everyone))
    return {
        candidate
        for found in candidates.values()
        for candidate, estimate in found
        if candidate not in floors
        or floors[candidate][0] < NEIGHBOURS_KEPT
        or estimate >= floors[candidate][1] - ESTIMATE_MARGIN
    }


def _candidates(placed: _Placed, work: ListsInWork) -> dict[str, list[tuple[str, float]]]:
    return {
        artist_id: work.nearest(vector, cells, work.plan.candidates, excluding=[artist_id])
        for artist_id, (vector, cells) in placed.items()
    }


def _searched_again(
    artist_ids: Sequence[str], known: dict[str, SimilarityProfile], work: ListsInWork
) -> dict[str, list[Neighbour]]:
    placed = _placed([known[a] for a in artist_ids], work)
    candidates = _candidates(placed, work)
    unseen = sorted({c for found in candidates.values() for c, _ in found} - known.keys())
    known.update((profile.artist_id, profile) for profile in work.profiles(unseen))
    scorer = _Scorer(known.values())
    return {
        artist_id: scorer.best(artist_id, [c for c, _ in found])
        for artist_id, found in candidates.items()
    }


def _with_collaborators(
    profiles: Sequence[SimilarityProfile], work: ListsInWork
) -> list[SimilarityProfile]:
    asked = {profile.artist_id for profile in profiles}
    partners = sorted({p for profile in profiles for p in profile.co_credited} - asked)
    return [*profiles, *work.profiles(partners)]
