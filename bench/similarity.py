"""Similarity at catalog scale: a full rebuild, incremental batches, recall and memory.

Loads a seeded synthetic catalog into PostgreSQL (embedded, or DATABASE_URL's server in a
scratch database), then measures through the product's own code:

- a full rebuild end to end: snapshot every profile, compute features, embeddings and cells,
  search every shard, write the lists, catch up and switch generations (the shards run one
  after another in this process; in AWS they run in parallel);
- batches of 50 new artists, each updating the serving lists incrementally;
- recall@10 of the stored lists against the exact top ten of the same features, over a
  sample of artists compared with every other;
- the peak memory of this process and of the database backend it used.

    .venv/bin/python -m bench.similarity --artists 100000

Targets at 100,000 artists: rebuild <= 120 s, incremental median <= 2 s and worst <= 5 s,
recall@10 >= 0.95, peak memory <= 2 GiB.
"""

from __future__ import annotations

import argparse
import logging
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import psycopg2

from adapters.postgres.known_artists import PostgresKnownArtists
from adapters.postgres.migrator import apply_migrations
from adapters.postgres.pool import ConnectionPool, connect_pool
from adapters.postgres.repository import PostgresArtistRepository
from adapters.postgres.similarity import PostgresSimilarityStore
from domain.models import FetchedArtist
from domain.neighbour_search import FeatureMatrix, exhaustive_search, recall_at_ten
from domain.rebuild import compute_shard, finish_rebuild, prepare_rebuild
from domain.recompute import recompute_similarity
from domain.similarity import profile_features
from local.postgres import database_url_from_environment_or_embedded, scratch_database
from local.synthetic_catalog import SyntheticCatalogSpec, genre_vocabulary, synthetic_artists

REBUILD_TARGET_S = 120.0
INCREMENTAL_MEDIAN_TARGET_S = 2.0
INCREMENTAL_MAX_TARGET_S = 5.0
RECALL_TARGET = 0.95
PEAK_RSS_TARGET_MIB = 2048.0
_FETCHED_AT = "2026-11-30T06:00:00+00:00"
_SAVE_CHUNK = 5_000


class _MemorySnapshots:
    """The rebuild's snapshot kept in this process, where S3 keeps it in AWS."""

    def __init__(self) -> None:
        self._arrays: dict[int, dict[str, Any]] = {}

    def put_snapshot(self, generation: int, arrays: Mapping[str, Any]) -> None:
        self._arrays[generation] = dict(arrays)

    def get_snapshot(self, generation: int) -> dict[str, Any]:
        return self._arrays[generation]

    def delete_snapshot(self, generation: int) -> None:
        self._arrays.pop(generation, None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--artists", type=int, default=100_000)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--recall-sample", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    # Progress shows as it happens even when the output is a pipe or a file.
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]

    spec = SyntheticCatalogSpec(
        artists=args.artists + args.batches * args.batch_size, seed=args.seed
    )
    generated = synthetic_artists(spec, genre_vocabulary())
    with _scratch_pool() as (pool, backend_pids):
        repository = PostgresArtistRepository(pool)
        store = PostgresSimilarityStore(pool)

        started = time.perf_counter()
        _save(repository, islice(generated, args.artists))
        print(f"loaded {args.artists} artists in {time.perf_counter() - started:.1f} s")

        snapshots = _MemorySnapshots()
        started = time.perf_counter()
        plan = prepare_rebuild(store, snapshots)
        prepared = time.perf_counter()
        for shard in plan.shards:
            compute_shard(shard, store, snapshots)
        searched = time.perf_counter()
        finish_rebuild(plan.generation, store, snapshots)
        rebuild_s = time.perf_counter() - started
        print(
            f"rebuild: {plan.artist_count} artists with a signal, {len(plan.shards)} shard(s);"
            f" prepare {prepared - started:.1f} s, shards {searched - prepared:.1f} s,"
            f" finish {time.perf_counter() - searched:.1f} s; total {rebuild_s:.1f} s"
        )

        batch_seconds = []
        newcomers: list[str] = []
        for _ in range(args.batches):
            batch = list(islice(generated, args.batch_size))
            newcomers += [item.artist.id for item in batch]
            repository.save_fetched(batch, _fetched_at())
            started = time.perf_counter()
            rewritten = recompute_similarity([item.artist.id for item in batch], store)
            batch_seconds.append(time.perf_counter() - started)
            print(
                f"incremental: {len(batch)} new artists, {len(rewritten)} lists rewritten"
                f" in {batch_seconds[-1]:.2f} s"
            )

        started = time.perf_counter()
        known = PostgresKnownArtists(pool)
        recall = _recall(store, known, args.recall_sample, args.seed)
        print(
            f"recall@10 over {args.recall_sample} sampled artists: {recall:.4f}"
            f" ({time.perf_counter() - started:.1f} s to compare each with every artist)"
        )
        newcomers_recall = _recall(store, known, len(newcomers), args.seed, among=newcomers)
        print(
            f"recall@10 of the {len(newcomers)} artists added incrementally: {newcomers_recall:.4f}"
        )
        peak_mib = max(_own_peak_mib(), *(_process_peak_mib(pid) for pid in backend_pids))

    median_s, max_s = statistics.median(batch_seconds), max(batch_seconds)
    print(
        f"rebuild {rebuild_s:.1f} s = {rebuild_s / REBUILD_TARGET_S:.2f} x target;"
        f" incremental median {median_s:.2f} s = {median_s / INCREMENTAL_MEDIAN_TARGET_S:.2f} x,"
        f" worst {max_s:.2f} s = {max_s / INCREMENTAL_MAX_TARGET_S:.2f} x;"
        f" recall {recall:.4f} (target {RECALL_TARGET});"
        f" peak {peak_mib:.0f} MiB = {peak_mib / PEAK_RSS_TARGET_MIB:.2f} x target"
    )
    print(
        f"similarity: artists={args.artists} rebuild_s={rebuild_s:.1f}"
        f" incremental50_median_s={median_s:.2f} incremental50_max_s={max_s:.2f}"
        f" recall10={recall:.4f} peak_rss_mib={peak_mib:.0f}"
    )


def _save(repository: PostgresArtistRepository, artists: Iterator[FetchedArtist]) -> None:
    while chunk := list(islice(artists, _SAVE_CHUNK)):
        repository.save_fetched(chunk, _fetched_at())


def _fetched_at() -> datetime:
    return datetime.fromisoformat(_FETCHED_AT)


def _recall(
    store: PostgresSimilarityStore,
    known: PostgresKnownArtists,
    sample_size: int,
    seed: int,
    among: Sequence[str] | None = None,
) -> float:
    """Stored lists of a sample (of `among`, or of everyone) against each sampled artist's
    exact top ten, found by comparing it with every artist of the catalog."""
    artist_ids = known.known_artist_ids()
    with store.updating() as work:
        profiles = work.profiles(artist_ids)
    matrix = FeatureMatrix.build((p.artist_id, p.popularity, profile_features(p)) for p in profiles)
    rng = np.random.default_rng(seed)
    pool = (
        np.arange(len(matrix))
        if among is None
        else np.flatnonzero(np.isin(matrix.artist_ids, among))
    )
    sample = np.sort(rng.choice(pool, min(sample_size, len(pool)), replace=False))
    exact = exhaustive_search(matrix, sample).by_artist(matrix.artist_ids)
    with store.updating() as work:
        stored = work.current_lists(sorted(exact))
    scores = {a: [entry.score for entry in entries] for a, entries in stored.items()}
    return recall_at_ten(scores, exact)


@contextmanager
def _scratch_pool() -> Iterator[tuple[ConnectionPool, list[int]]]:
    with (
        tempfile.TemporaryDirectory(prefix="sixpotify-bench-") as scratch,
        database_url_from_environment_or_embedded(Path(scratch) / "pgdata") as server_url,
        scratch_database(server_url) as url,
    ):
        with closing(psycopg2.connect(url)) as connection:
            apply_migrations(connection)
        # One connection, so that its backend is the one whose memory is measured.
        pool = connect_pool(url, max_connections=1)
        with pool.transaction() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (pid,) = cursor.fetchone()
        try:
            yield pool, [pid]
        finally:
            pool.close()


def _own_peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _process_peak_mib(pid: int) -> float:
    """A local process's peak resident memory; 0 when it is not on this machine."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


if __name__ == "__main__":
    main()
