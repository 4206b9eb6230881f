"""Similarity inside the ingest workflow, executed by moto: the rebuild as a Distributed Map
over shards, the daily refresh ending with one, and answers that still go out when the
incremental update fails."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime

import pytest

from domain.models import (
    Artist,
    FetchedArtist,
    Neighbour,
    SimilarityGeneration,
    SimilarityProfile,
    Waiter,
)
from domain.neighbour_search import Float32s, Ints, SearchPlan
from domain.ports import ListsInWork
from domain.rebuild import rebuild_in_process
from handlers import composition
from local.stack import ExecutionFailedError, LocalStack
from tests.fakes import InMemorySnapshots
from tests.similarity_profiles import synthetic_fetched
from tests.stack_probes import similarity_lists, stack_operations, start_requested_ingest
from tests.swapped_adapters import handlers_using

FETCHED_AT = datetime(2026, 11, 1, tzinfo=UTC)
METALLICA = "2ye2Wgw4gimLv2eAKyk1NB"


def _stored(artists: Sequence[FetchedArtist]) -> None:
    composition.dependencies().repository.save_fetched(artists, FETCHED_AT)


def test_a_rebuild_in_four_shards_gives_the_lists_of_a_rebuild_in_one_process(
    clean_stack: LocalStack,
) -> None:
    # Given 600 stored artists
    _stored(synthetic_fetched(600, seed=21))
    operations = stack_operations(clean_stack)
    # When a rebuild runs through the workflow with shards of 150 artists
    execution_arn = operations.start_rebuild(shard_size=150)
    output = clean_stack.wait_for_execution(execution_arn, 180)
    from_workflow = similarity_lists(clean_stack)
    store = composition.dependencies().similarity
    built = store.generation(output["finished"]["generation"])
    # And the same catalog is rebuilt again in this process, in one go
    rebuild_in_process(store, InMemorySnapshots())
    # Then the Distributed Map ran every shard, and both rebuilds agree list for list
    assert built is not None
    assert built.shard_count == built.shards_done >= 4
    assert len(from_workflow) == output["finished"]["artist_count"] > 500
    assert similarity_lists(clean_stack) == from_workflow
    s3 = clean_stack.aws.client("s3")
    listed = s3.list_objects_v2(Bucket=clean_stack.resources.lake_bucket, Prefix="similarity/")
    assert listed.get("KeyCount", 0) == 0


def test_a_rebuild_whose_shards_fail_is_abandoned_and_the_lists_before_it_keep_serving(
    clean_stack: LocalStack,
) -> None:
    # Given 300 stored artists whose lists a first rebuild computed
    _stored(synthetic_fetched(300, seed=23))
    store = composition.dependencies().similarity
    serving = rebuild_in_process(store, InMemorySnapshots())
    before = similarity_lists(clean_stack)
    # When a rebuild runs through the workflow and no shard can read the snapshot
    snapshots = InMemorySnapshots(fail_reads_after=0)
    with handlers_using(composition.Adapters(snapshots=snapshots)):
        execution_arn = stack_operations(clean_stack).start_rebuild(shard_size=150)
        with pytest.raises(ExecutionFailedError, match="SimilarityRebuildFailed"):
            clean_stack.wait_for_execution(execution_arn, 180)
    # Then its generation is failed, its snapshot deleted, and the earlier lists still serve
    abandoned = store.generations(1)[0]
    assert abandoned.generation > serving.generation
    assert abandoned.state == "failed"
    assert abandoned.failure
    assert snapshots.arrays == {}
    assert similarity_lists(clean_stack) == before


def test_the_daily_refresh_ends_with_a_rebuild_so_changed_genres_change_the_lists(
    clean_stack: LocalStack,
) -> None:
    # Given the catalog stored with yesterday's genres, shuffled among artists
    catalog = sorted(clean_stack.catalog.artists.values(), key=lambda a: a.id)
    shuffled = [a.genres for a in catalog[1:]] + [catalog[0].genres]
    _stored(
        [
            FetchedArtist(
                artist=Artist(
                    id=a.id,
                    name=a.name,
                    genres=genres,
                    popularity=a.popularity,
                    spotify_url=a.spotify_url,
                )
            )
            for a, genres in zip(catalog, shuffled, strict=True)
        ]
    )
    store = composition.dependencies().similarity
    rebuild_in_process(store, InMemorySnapshots())
    yesterday = similarity_lists(clean_stack)
    # When the daily refresh fetches everyone again, with today's genres
    operations = stack_operations(clean_stack)
    clean_stack.wait_for_execution(operations.start_refresh(datetime.now(UTC)), 300)
    # Then the refresh's own rebuild serves lists from today's genres
    today = similarity_lists(clean_stack)
    assert today != yesterday
    metal = {"thrash metal", "metal", "hard rock", "speed metal", "old school thrash"}
    neighbours = {a.id: set(a.genres) for a in catalog}
    assert all(neighbours[other] & metal for other in today[METALLICA][:5])
    assert store.generations(1)[0].state == "serving"


def _unavailable() -> OSError:
    return OSError("the similarity store is unavailable")


class FailingSimilarity:
    """A similarity store that cannot be used at all: the database refusing, say."""

    def updating(self, generation: int | None = None) -> AbstractContextManager[ListsInWork]:
        raise _unavailable()

    def begin_rebuild(self) -> tuple[int, list[SimilarityProfile]]:
        raise _unavailable()

    def save_rebuild_plan(
        self,
        generation: int,
        *,
        plan: SearchPlan,
        shard_count: int,
        artist_ids: Sequence[str],
        vectors: Float32s,
        cells: Ints,
        centroids: Float32s,
    ) -> None:
        raise _unavailable()

    def write_shard(
        self, generation: int, shard: int, artist_ids: Sequence[str], lists: Sequence[Neighbour]
    ) -> None:
        raise _unavailable()

    def abandon(self, generation: int, reason: str) -> None:
        raise _unavailable()

    def drop_unused(self) -> list[int]:
        raise _unavailable()

    def generation(self, generation: int) -> SimilarityGeneration | None:
        raise _unavailable()

    def generations(self, limit: int) -> list[SimilarityGeneration]:
        raise _unavailable()


def test_waiters_are_answered_with_what_is_known_when_similarity_fails(
    clean_stack: LocalStack,
) -> None:
    # Given a user waiting for an artist the bot is looking up
    user_id = "2400000000000777"
    composition.dependencies().waiters.add(
        Waiter(
            artist_id=METALLICA, user_id=user_id, query="metallica", requested_at=datetime.now(UTC)
        )
    )
    # When the ingest runs and the similarity step keeps failing
    with handlers_using(composition.Adapters(similarity=FailingSimilarity())):
        execution_arn = start_requested_ingest(clean_stack, "similarity-down", [METALLICA])
        with pytest.raises(ExecutionFailedError, match="SimilarityFailed"):
            clean_stack.wait_for_execution(execution_arn, 120)
    # Then the waiter still got the artist's card, and a sentence that no similar artists are
    # known yet, never an empty carousel; and nobody is left waiting
    sent = [s["body"]["message"] for s in clean_stack.graph.sent() if "message" in s["body"]]
    texts = [m["text"] for m in sent if "text" in m]
    carousels = [m["attachment"]["payload"]["elements"] for m in sent if "attachment" in m]
    assert [[card["title"] for card in cards] for cards in carousels] == [["Metallica"]]
    assert any("Metallica" in text and "similar" in text for text in texts)
    assert composition.dependencies().waiters.waiting_for(METALLICA) == []


# Each demo artist, and what every one of its five closest should have in its genres.
DEFINING_GENRES = {
    "Metallica": "metal",
    "Drake": "rap",
    "BTS": "k-pop boy group",
    "aespa": "k-pop girl group",
}


def test_the_demo_artists_keep_answers_a_fan_would_agree_with(clean_stack: LocalStack) -> None:
    # Given the whole catalog ingested through the pipeline (genres, sound, collaborations)
    clean_stack.seed()
    catalog = {a.id: a for a in clean_stack.catalog.artists.values()}
    by_name = {a.name: a for a in catalog.values()}
    lists = similarity_lists(clean_stack)
    # When the bot's list for each demo artist is read
    top_fives = {name: lists[by_name[name].id][:5] for name in DEFINING_GENRES}
    # Then every one of the five closest shares what defines the artist
    strays = {
        name: [
            catalog[other].name for other in top if genre not in "; ".join(catalog[other].genres)
        ]
        for name, genre in DEFINING_GENRES.items()
        if (top := top_fives[name])
    }
    assert all(len(top) == 5 for top in top_fives.values())
    assert strays == {name: [] for name in DEFINING_GENRES}
