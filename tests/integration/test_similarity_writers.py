"""Writers of similar-artist lists at the same moment on real PostgreSQL: ingestion's updates
of overlapping artists, two writes of one rebuild shard, and an update that loses a
deadlock. Each writer has its own pool, as each Lambda invocation has its own process."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from functools import partial
from typing import Any, cast

import numpy as np
import psycopg2

from adapters.postgres.pool import ConnectionPool, connect_pool
from adapters.postgres.repository import PostgresArtistRepository
from adapters.postgres.similarity import PostgresListsInWork, PostgresSimilarityStore
from domain.models import Neighbour
from domain.neighbour_search import Cells, FeatureMatrix, search
from domain.ports import SimilarityStore
from domain.rebuild import RebuildShard, prepare_rebuild
from domain.recompute import recompute_similarity
from tests.fakes import InMemorySnapshots
from tests.integration.test_similarity_store import exact_lists, stored_lists
from tests.similarity_profiles import synthetic_fetched

FETCHED_AT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
# Enough rounds that writers which do not take turns collide in some of them.
ROUNDS = 20


def all_at_once(writers: Sequence[Callable[[ConnectionPool], object]], connect: str) -> None:
    """Run each writer on a thread and a pool of its own, released together; re-raise the
    first failure once all are done."""
    start = threading.Barrier(len(writers))
    failures: list[BaseException] = []

    def run(write: Callable[[ConnectionPool], object]) -> None:
        pool = connect_pool(connect, max_connections=1)
        try:
            start.wait()
            write(pool)
        except BaseException as failure:  # collected to fail the test on the main thread
            failures.append(failure)
        finally:
            pool.close()

    threads = [threading.Thread(target=run, args=(write,)) for write in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


def recompute(artist_ids: Sequence[str], pool: ConnectionPool) -> list[str]:
    return recompute_similarity(artist_ids, PostgresSimilarityStore(pool))


def test_updates_rewriting_the_same_lists_at_once_all_succeed_and_leave_the_exact_lists(
    artist_repository: PostgresArtistRepository, database_url: str
) -> None:
    # Given 120 stored artists without lists
    fetched = synthetic_fetched(120, seed=13)
    artist_repository.save_fetched(fetched, FETCHED_AT)
    artist_ids = [item.artist.id for item in fetched]
    # When, round after round, three ingestions update four artists each at once: different
    # artists, whose updates rewrite many of the same other artists' lists
    for round_start in range(0, ROUNDS * 12, 12):
        batches = [
            [artist_ids[(round_start + offset) % len(artist_ids)] for offset in range(b, b + 4)]
            for b in (0, 4, 8)
        ]
        all_at_once([partial(recompute, batch) for batch in batches], database_url)
    # Then every list is the exact one, as if the updates had run one after the other
    exact = {a: [s for s, _ in best] for a, best in exact_lists(fetched).items()}
    assert stored_lists(artist_repository, artist_ids) == {a: exact.get(a, []) for a in artist_ids}


def test_two_writes_of_one_shard_at_once_both_succeed_and_leave_one_copy_of_its_lists(
    artist_repository: PostgresArtistRepository,
    postgres_pool: ConnectionPool,
    database_url: str,
) -> None:
    # Given a rebuild prepared over 200 artists, and the lists of its first shard
    artist_repository.save_fetched(synthetic_fetched(200, seed=17), FETCHED_AT)
    snapshots = InMemorySnapshots()
    plan = prepare_rebuild(PostgresSimilarityStore(postgres_pool), snapshots, shard_size=100)
    shard = plan.shards[0]
    artist_ids, lists = shard_lists(shard, snapshots)

    def write(pool: ConnectionPool) -> None:
        PostgresSimilarityStore(pool).write_shard(shard.generation, shard.shard, artist_ids, lists)

    # When the shard is written twice at once (a retry while the first attempt still
    # runs), round after round
    for _ in range(ROUNDS):
        all_at_once([write, write], database_url)
    # Then the generation holds the shard's lists once, and the shard is recorded once
    with postgres_pool.transaction() as cursor:
        cursor.execute(
            "SELECT artist_id, similar_id, rank, score FROM artist_similarity"
            " WHERE generation = %s ORDER BY artist_id, rank",
            (shard.generation,),
        )
        written = cursor.fetchall()
    assert written == sorted(
        ((n.artist_id, n.similar_id, n.rank, n.score) for n in lists),
        key=lambda row: (row[0], row[2]),
    )
    recorded = PostgresSimilarityStore(postgres_pool).generation(shard.generation)
    assert recorded is not None
    assert recorded.shards_done == 1


def test_an_update_that_loses_a_deadlock_is_done_again_and_succeeds(
    artist_repository: PostgresArtistRepository,
    postgres_pool: ConnectionPool,
    database_url: str,
) -> None:
    # Given stored artists with embeddings, and another transaction holding the embedding
    # row of the second of them in ID order
    fetched = synthetic_fetched(40, seed=19)
    artist_repository.save_fetched(fetched, FETCHED_AT)
    artist_ids = sorted(item.artist.id for item in fetched)
    recompute_similarity(artist_ids, PostgresSimilarityStore(postgres_pool))
    first, second = embedded(postgres_pool)[:2]
    before = stored_lists(artist_repository, artist_ids)
    store = CountingUpdates(postgres_pool)
    with closing(psycopg2.connect(database_url)) as other, other.cursor() as cursor:
        lock_embedding(cursor, second)
        # When an update of both writes the first embedding and waits for the second, and
        # the other transaction then asks for the first
        updated: list[list[str]] = []
        updating = threading.Thread(
            target=lambda: updated.append(recompute_similarity([first, second], store))
        )
        updating.start()
        wait_until_a_write_waits_for_a_lock(cursor, "INSERT INTO artist_vectors")
        lock_embedding(cursor, first)
        other.commit()
        updating.join()
    # Then PostgreSQL broke the deadlock by rolling the update back, and the update, done
    # again, finished with the lists as they were (neither artist changed)
    assert store.updates == 2
    assert len(updated) == 1
    assert {first, second} <= set(updated[0])
    assert stored_lists(artist_repository, artist_ids) == before


class CountingUpdates(PostgresSimilarityStore):
    """The store, counting the updates begun on it."""

    updates = 0

    @contextmanager
    def updating(self, generation: int | None = None) -> Iterator[PostgresListsInWork]:
        self.updates += 1
        with super().updating(generation) as work:
            yield work


class PlanningWhenLocked:
    """The store, except that save_rebuild_plan says it is about to run and then waits for
    the test to take the writers' lock elsewhere."""

    def __init__(self, store: PostgresSimilarityStore) -> None:
        self._store = store
        self.planning, self.locked, self.saved = (threading.Event() for _ in range(3))

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)

    def save_rebuild_plan(self, generation: int, **plan: Any) -> None:
        self.planning.set()
        self.locked.wait(timeout=10)
        self._store.save_rebuild_plan(generation, **plan)
        self.saved.set()


def test_a_rebuild_plan_waits_for_an_update_in_progress_instead_of_deadlocking_with_it(
    artist_repository: PostgresArtistRepository, postgres_pool: ConnectionPool, database_url: str
) -> None:
    # Given a rebuild about to save its plan (which rewrites artist_vectors, as updates do)
    artist_repository.save_fetched(synthetic_fetched(60, seed=23), FETCHED_AT)
    store = PlanningWhenLocked(PostgresSimilarityStore(postgres_pool))
    planner = threading.Thread(
        target=prepare_rebuild, args=(cast(SimilarityStore, store), InMemorySnapshots())
    )
    planner.start()
    assert store.planning.wait(timeout=30)
    # When an update holds the writers' lock on a pool of its own while the plan is saved
    other_writer = connect_pool(database_url, max_connections=1)
    try:
        with PostgresSimilarityStore(other_writer).updating():
            store.locked.set()
            # Then the plan waits for the update to end
            assert not store.saved.wait(timeout=0.5)
        planner.join(timeout=30)
    finally:
        store.locked.set()
        other_writer.close()
    # And is saved once it has
    assert store.saved.is_set()


def shard_lists(
    shard: RebuildShard, snapshots: InMemorySnapshots
) -> tuple[list[str], list[Neighbour]]:
    arrays = snapshots.get_snapshot(shard.generation)
    matrix = FeatureMatrix.from_arrays(arrays)
    rows = np.arange(shard.first_row, shard.end_row, dtype=np.int64)
    vectors = np.asarray(arrays["vectors"], dtype=np.float32)
    found = search(matrix, Cells.from_arrays(arrays), vectors, rows)
    return matrix.artist_ids[rows].tolist(), found.neighbours(matrix.artist_ids)


def embedded(pool: ConnectionPool) -> list[str]:
    with pool.transaction() as cursor:
        cursor.execute("SELECT artist_id FROM artist_vectors ORDER BY artist_id")
        return [artist_id for (artist_id,) in cursor.fetchall()]


def lock_embedding(cursor: psycopg2.extensions.cursor, artist_id: str) -> None:
    cursor.execute("SELECT 1 FROM artist_vectors WHERE artist_id = %s FOR UPDATE", (artist_id,))


def wait_until_a_write_waits_for_a_lock(
    cursor: psycopg2.extensions.cursor, statement_start: str
) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        # Activity is read once per transaction unless asked to look again.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND starts_with(query, %s)",
            (statement_start,),
        )
        if cursor.fetchone() == (1,):
            return
        time.sleep(0.01)
    raise AssertionError(f"no statement starting {statement_start!r} waited for a lock")
