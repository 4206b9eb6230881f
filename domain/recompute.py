"""Keep the serving lists current as artists arrive, without recomputing the catalog.

For each changed artist: its embedding is stored in the generation's nearest cell, the
closest embeddings of the cells nearest its own are scored exactly, and the best become its
list. Every other artist it was scored against, or that already lists it, may see its list
change: the newcomer enters when it beats the weakest entry there (or the list has room),
and an entry for a changed artist takes its new score. Only when a full list loses
strength that way is that list searched again, since whoever it should now hold was never
compared. Work grows with the size of a cell, not of the catalog.

An artist's collaborators change with it (who recorded with whom is part of both), so the
stored ones are updated too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from domain.models import Neighbour, ScoredArtist, SimilarityProfile
from domain.neighbour_search import FeatureMatrix, best_neighbours, exact_scores, nearest_cells_of
from domain.ports import ListsInWork, SimilarityStore
from domain.similarity import NEIGHBOURS_KEPT, embedding, profile_features, ranking_key

_Placed = dict[str, tuple[list[float], list[int]]]


def recompute_similarity(artist_ids: Sequence[str], store: SimilarityStore) -> list[str]:
    """Update the serving generation for these artists. Returns every artist whose list
    was rewritten, sorted."""
    with store.updating() as work:
        return update_lists(artist_ids, work)


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
    others = sorted(
        ({c for found in candidates.values() for c in found} | set(work.listing(sorted(known))))
        - known.keys()
    )
    known.update((profile.artist_id, profile) for profile in work.profiles(others))
    scorer = _Scorer(known.values())

    lists = {
        artist_id: scorer.best(artist_id, candidates[artist_id]) if artist_id in placed else []
        for artist_id in changed_ids
    }
    current = work.current_lists(others)
    searched_again: list[str] = []
    for other in others:
        scores = scorer.scores(changed_ids, other)
        revised = revise_list(other, current.get(other, []), scores, known)
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
    profiles: Mapping[str, SimilarityProfile],
) -> list[Neighbour] | _SearchAgain | None:
    """The list after changed artists take their new scores with its owner; None when
    nothing changes, _SEARCH_AGAIN when a full list lost an entry or an entry's strength.

    scores holds every changed artist's exact score with the owner; one that scores nothing
    leaves the list, one that beats the weakest of a full list (or finds room) enters.
    """
    listed = {entry.artist_id: entry for entry in current}
    weakened = any(
        artist in listed and score < listed[artist].score for artist, score in scores.items()
    )
    if weakened and len(current) >= NEIGHBOURS_KEPT:
        return _SEARCH_AGAIN
    merged = {a: e for a, e in listed.items() if a not in scores}
    merged.update(
        (
            artist,
            ScoredArtist(artist_id=artist, score=score, popularity=profiles[artist].popularity),
        )
        for artist, score in scores.items()
        if score > 0 and artist != artist_id
    )
    ranked = sorted(merged.values(), key=lambda e: ranking_key(e.score, e.popularity, e.artist_id))[
        :NEIGHBOURS_KEPT
    ]
    if [(e.artist_id, e.score) for e in ranked] == [(e.artist_id, e.score) for e in current]:
        return None
    return [
        Neighbour(artist_id=artist_id, similar_id=entry.artist_id, rank=rank, score=entry.score)
        for rank, entry in enumerate(ranked, start=1)
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
        return [
            Neighbour(
                artist_id=artist_id,
                similar_id=str(self._matrix.artist_ids[similar]),
                rank=int(rank),
                score=float(score),
            )
            for similar, rank, score in zip(found.similar, found.rank, found.score, strict=True)
        ]

    def scores(self, changed: Sequence[str], artist_id: str) -> dict[str, float]:
        """Each changed artist's exact score with artist_id (0 for one without features)."""
        if artist_id not in self._row_of:
            return dict.fromkeys(changed, 0.0)
        rows = self._rows(changed)
        found = exact_scores(self._matrix, np.array([self._row_of[artist_id]]), rows)[0]
        scored = dict(zip(self._matrix.artist_ids[rows].tolist(), found.tolist(), strict=True))
        return {artist: scored.get(artist, 0.0) for artist in changed}

    def _rows(self, artist_ids: Sequence[str]) -> np.ndarray:
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


def _candidates(placed: _Placed, work: ListsInWork) -> dict[str, list[str]]:
    return {
        artist_id: work.nearest(vector, cells, work.plan.candidates, excluding=[artist_id])
        for artist_id, (vector, cells) in placed.items()
    }


def _searched_again(
    artist_ids: Sequence[str], known: dict[str, SimilarityProfile], work: ListsInWork
) -> dict[str, list[Neighbour]]:
    placed = _placed([known[a] for a in artist_ids], work)
    candidates = _candidates(placed, work)
    unseen = sorted({c for found in candidates.values() for c in found} - known.keys())
    known.update((profile.artist_id, profile) for profile in work.profiles(unseen))
    scorer = _Scorer(known.values())
    return {artist_id: scorer.best(artist_id, found) for artist_id, found in candidates.items()}


def _with_collaborators(
    profiles: Sequence[SimilarityProfile], work: ListsInWork
) -> list[SimilarityProfile]:
    asked = {profile.artist_id for profile in profiles}
    partners = sorted({p for profile in profiles for p in profile.co_credited} - asked)
    return [*profiles, *work.profiles(partners)]
