"""Similarity on real PostgreSQL: incremental updates, rebuilds in generations, and what a
reader sees while they run."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np
import pytest

from adapters.postgres.pool import ConnectionPool
from adapters.postgres.repository import PostgresArtistRepository
from adapters.postgres.similarity import PostgresSimilarityStore
from domain.models import Artist, FetchedArtist, Neighbour
from domain.neighbour_search import FeatureMatrix, exhaustive_search, recall_at_ten
from domain.rebuild import (
    abandon_rebuild,
    compute_shard,
    finish_rebuild,
    prepare_rebuild,
    rebuild_in_process,
)
from domain.recompute import recompute_similarity
from domain.similarity import profile_features
from tests.fakes import InMemorySnapshots, audio_features, track
from tests.similarity_profiles import profiles_of, synthetic_fetched

FETCHED_AT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def store(postgres_pool: ConnectionPool) -> PostgresSimilarityStore:
    return PostgresSimilarityStore(postgres_pool)


def saved(
    repository: PostgresArtistRepository, fetched: Sequence[FetchedArtist]
) -> list[FetchedArtist]:
    repository.save_fetched(fetched, FETCHED_AT)
    return list(fetched)


def stored_lists(
    repository: PostgresArtistRepository, artist_ids: Sequence[str]
) -> dict[str, list[str]]:
    return {a: [s.id for s in repository.similar_artists(a, 10)] for a in artist_ids}


def exact_lists(fetched: Sequence[FetchedArtist]) -> dict[str, list[tuple[str, float]]]:
    """Every artist's exact top ten, compared with everyone: the reference."""
    profiles = profiles_of(fetched)
    matrix = FeatureMatrix.build((p.artist_id, p.popularity, profile_features(p)) for p in profiles)
    everyone = np.arange(len(matrix), dtype=np.int64)
    return exhaustive_search(matrix, everyone).by_artist(matrix.artist_ids)


def scored_lists(
    store: PostgresSimilarityStore, artist_ids: Sequence[str]
) -> dict[str, list[float]]:
    with store.updating() as work:
        return {
            artist_id: [entry.score for entry in entries]
            for artist_id, entries in work.current_lists(artist_ids).items()
        }


def test_a_rebuild_finds_the_exact_top_ten_of_thousands_of_artists_with_high_recall(
    artist_repository: PostgresArtistRepository, store: PostgresSimilarityStore
) -> None:
    # Given 4,000 synthetic artists, more than are compared exhaustively
    fetched = saved(artist_repository, synthetic_fetched(4_000, seed=11))
    # When rebuilt in shards of 1,000
    snapshots = InMemorySnapshots()
    plan = prepare_rebuild(store, snapshots, shard_size=1_000)
    for shard in plan.shards:
        compute_shard(shard, store, snapshots)
    served = finish_rebuild(plan.generation, store, snapshots)
    # Then the cells were really used, and recall against the exhaustive search holds
    assert len(plan.shards) == 4
    assert served.state == "serving"
    with store.updating() as work:
        assert work.plan.cells > 1
        assert work.generation == plan.generation
    exact = exact_lists(fetched)
    assert recall_at_ten(scored_lists(store, list(exact)), exact) >= 0.95
    assert snapshots.arrays == {}


def test_readers_during_a_rebuild_see_the_old_lists_or_the_new_never_a_mix(
    artist_repository: PostgresArtistRepository, store: PostgresSimilarityStore
) -> None:
    # Given lists from one rebuild, then genres that changed for everyone
    fetched = saved(artist_repository, synthetic_fetched(400, seed=5))
    rebuild_in_process(store, InMemorySnapshots())
    watched = [item.artist.id for item in fetched if item.artist.genres][:40]
    before = stored_lists(artist_repository, watched)
    saved(artist_repository, [_renamed_genres(item) for item in fetched])
    seen: list[dict[str, list[str]]] = []
    stop = threading.Event()

    def read_continuously() -> None:
        while not stop.is_set():
            seen.append(stored_lists(artist_repository, watched))

    # When a rebuild runs while a reader reads
    reader = threading.Thread(target=read_continuously)
    reader.start()
    try:
        rebuild_in_process(store, InMemorySnapshots())
    finally:
        stop.set()
        reader.join()
    after = stored_lists(artist_repository, watched)
    # Then every list the reader saw was whole, and either the old one or the new one
    assert after != before
    assert seen
    for snapshot in seen:
        for artist_id, found in snapshot.items():
            assert found in (before[artist_id], after[artist_id])


def test_a_rebuild_that_fails_midway_leaves_the_previous_generation_serving(
    artist_repository: PostgresArtistRepository, store: PostgresSimilarityStore
) -> None:
    # Given a served rebuild, then a second one whose third shard cannot read its snapshot
    fetched = saved(artist_repository, synthetic_fetched(300, seed=2))
    served = rebuild_in_process(store, InMemorySnapshots())
    artist_ids = [item.artist.id for item in fetched]
    before = stored_lists(artist_repository, artist_ids)
    failing = InMemorySnapshots(fail_reads_after=2)
    plan = prepare_rebuild(store, failing, shard_size=100)
    # When the shards run and one fails
    first, second, third = plan.shards
    compute_shard(first, store, failing)
    compute_shard(second, store, failing)
    with pytest.raises(OSError, match="could not be read"):
        compute_shard(third, store, failing)
    # Then the failed generation cannot be switched to and the old lists still serve
    with pytest.raises(Exception, match="2 of 3 shards"):
        finish_rebuild(plan.generation, store, failing)
    assert stored_lists(artist_repository, artist_ids) == before
    assert store.generations(1)[0].generation == plan.generation
    assert {g.generation: g.state for g in store.generations(5)}[served.generation] == "serving"


def test_an_abandoned_rebuild_is_dropped_and_marked_failed(
    artist_repository: PostgresArtistRepository, store: PostgresSimilarityStore
) -> None:
    # Given a rebuild prepared and one shard written
    saved(artist_repository, synthetic_fetched(200, seed=4))
    snapshots = InMemorySnapshots()
    plan = prepare_rebuild(store, snapshots, shard_size=100)
    compute_shard(plan.shards[0], store, snapshots)
    # When it is abandoned
    abandon_rebuild(plan.generation, "ShardFailed", store, snapshots)
    # Then it is failed with its reason, its snapshot is gone, and a shard cannot write to it
    abandoned = store.generation(plan.generation)
    assert abandoned is not None
    assert (abandoned.state, abandoned.failure) == ("failed", "ShardFailed")
    assert snapshots.arrays == {}
    with pytest.raises(LookupError, match="not being built"):
        store.write_shard(plan.generation, 1, [], [])


def test_incremental_batches_then_a_rebuild_agree_exactly_on_a_small_catalog(
    artist_repository: PostgresArtistRepository, store: PostgresSimilarityStore
) -> None:
    # Given 300 artists ingested in batches of 50, each batch updated incrementally
    fetched = synthetic_fetched(300, seed=9)
    for start in range(0, len(fetched), 50):
        batch = saved(artist_repository, fetched[start : start + 50])
        recompute_similarity([item.artist.id for item in batch], store)
    artist_ids = [item.artist.id for item in fetched]
    incremental = stored_lists(artist_repository, artist_ids)
    # When the catalog is rebuilt (small enough to be searched exactly)
    rebuild_in_process(store, InMemorySnapshots())
    # Then both give the exact lists
    exact = {a: [s for s, _ in best] for a, best in exact_lists(fetched).items()}
    rebuilt = stored_lists(artist_repository, artist_ids)
    assert rebuilt == {a: exact.get(a, []) for a in artist_ids}
    assert incremental == rebuilt


def test_ingestion_during_a_rebuild_is_caught_up_before_the_switch(
    artist_repository: PostgresArtistRepository, store: PostgresSimilarityStore
) -> None:
    # Given a rebuild prepared over 200 artists
    fetched = synthetic_fetched(220, seed=6)
    saved(artist_repository, fetched[:200])
    snapshots = InMemorySnapshots()
    plan = prepare_rebuild(store, snapshots)
    # When 20 more are ingested before its shards run and it switches
    late = saved(artist_repository, fetched[200:])
    recompute_similarity([item.artist.id for item in late], store)
    for shard in plan.shards:
        compute_shard(shard, store, snapshots)
    finish_rebuild(plan.generation, store, snapshots)
    # Then the late artists have their exact lists in the new generation too
    exact = exact_lists(fetched)
    late_ids = [item.artist.id for item in late if item.artist.id in exact]
    assert late_ids
    assert stored_lists(artist_repository, late_ids) == {
        a: [s for s, _ in exact[a]] for a in late_ids
    }


def test_an_artist_with_nothing_known_has_no_list_and_no_vector(
    artist_repository: PostgresArtistRepository, store: PostgresSimilarityStore
) -> None:
    # Given an artist with no genres, no sound and no collaborators, and one with genres
    silent = Artist(id="silent", name="Silent", spotify_url="https://open.spotify.com/artist/s")
    loud = silent.model_copy(update={"id": "loud", "name": "Loud", "genres": ("k-pop",)})
    twin = loud.model_copy(update={"id": "twin", "name": "Twin"})
    saved(artist_repository, [FetchedArtist(artist=a) for a in (silent, loud, twin)])
    # When both are updated
    rewritten = recompute_similarity(["silent", "loud", "twin"], store)
    # Then only the ones with a signal are listed, and nobody lists the silent one
    assert stored_lists(artist_repository, ["silent", "loud", "twin"]) == {
        "silent": [],
        "loud": ["twin"],
        "twin": ["loud"],
    }
    assert rewritten == ["loud", "silent", "twin"]


def test_artists_without_genres_find_neighbours_through_sound_and_collaborations(
    artist_repository: PostgresArtistRepository, store: PostgresSimilarityStore
) -> None:
    # Given two genre-less artists who sound like a club record, one who sounds like a
    # ballad, and a genre-less artist whose only signal is a track with a k-pop group
    def artist(artist_id: str, *genres: str) -> Artist:
        return Artist(
            id=artist_id,
            name=artist_id.title(),
            genres=genres,
            spotify_url=f"https://open.spotify.com/artist/{artist_id}",
        )

    def sounding(artist_id: str, **sound: float) -> FetchedArtist:
        song = track(f"{artist_id}-t1", artist_id)
        return FetchedArtist(
            artist=artist(artist_id),
            top_tracks=(song,),
            audio_features=(audio_features(song.id, **sound),),
        )

    club = {"danceability": 0.9, "energy": 0.9, "acousticness": 0.02, "valence": 0.8}
    ballad = {"danceability": 0.3, "energy": 0.2, "acousticness": 0.9, "valence": 0.2}
    duet = track("duet", "guest").model_copy(update={"credits": ("guest", "group")})
    saved(
        artist_repository,
        [
            sounding("club-a", **club),
            sounding("club-b", **club, tempo=126.0),
            sounding("ballad", **ballad),
            FetchedArtist(artist=artist("guest"), top_tracks=(duet,)),
            FetchedArtist(artist=artist("group", "k-pop", "k-pop girl group")),
            FetchedArtist(artist=artist("other-group", "k-pop", "k-pop girl group")),
        ],
    )
    # When their lists are computed
    recompute_similarity(["club-a", "club-b", "ballad", "guest", "group", "other-group"], store)
    # Then sound finds the other club artist first, and the collaboration finds the group
    lists = stored_lists(artist_repository, ["club-a", "guest"])
    assert lists["club-a"][0] == "club-b"
    assert "ballad" not in lists["club-a"]
    assert lists["guest"] == ["group"]


def test_lists_written_for_the_wrong_artist_are_refused(store: PostgresSimilarityStore) -> None:
    # When a list holds a neighbour of another artist / Then nothing is written
    with pytest.raises(ValueError, match="neighbour of b"), store.updating() as work:
        work.replace_lists({"a": [Neighbour(artist_id="b", similar_id="a", rank=1, score=0.9)]})


def _renamed_genres(item: FetchedArtist) -> FetchedArtist:
    moved = tuple(f"neo {genre}" for genre in item.artist.genres[:1]) + item.artist.genres[1:]
    return item.model_copy(update={"artist": item.artist.model_copy(update={"genres": moved})})
