"""Keep every artist's top-10 similar artists current after new artists arrive."""

from __future__ import annotations

from collections.abc import Sequence

from domain.models import Artist, Neighbour
from domain.ports import ArtistRepository
from domain.similarity import (
    CANDIDATES_RESCORED,
    affected_artists,
    genre_vector,
    rank_neighbours,
    rescore,
)


def recompute_similarity(artist_ids: Sequence[str], repository: ArtistRepository) -> list[str]:
    """Vectors and neighbours for the given artists, then for the existing artists whose
    lists the newcomers enter. Returns every artist whose list was rewritten, sorted."""
    artists = repository.get_artists(artist_ids)
    vectors = {
        artist.id: vector
        for artist in artists
        if (vector := genre_vector(artist.genres)) is not None
    }
    repository.save_vectors(vectors)

    fresh = {
        artist.id: _neighbours(artist, repository)
        for artist in sorted(artists, key=lambda a: a.id)
        if artist.id in vectors
    }
    candidates = sorted({n.similar_id for neighbours in fresh.values() for n in neighbours})
    affected = affected_artists(fresh, repository.neighbour_floors(candidates))

    for artist_id, neighbours in fresh.items():
        repository.replace_neighbours(artist_id, neighbours)
    for artist in repository.get_artists(sorted(affected)):
        repository.replace_neighbours(artist.id, _neighbours(artist, repository))
    return sorted(set(fresh) | affected)


def _neighbours(artist: Artist, repository: ArtistRepository) -> list[Neighbour]:
    candidate_ids = [other for other, _ in repository.nearest(artist.id, CANDIDATES_RESCORED)]
    return rank_neighbours(artist.id, rescore(artist, repository.get_artists(candidate_ids)))
