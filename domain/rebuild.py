"""The full rebuild: every artist's embedding and list computed anew from current data, in a
new generation that readers see only once it is whole.

Three steps, so the middle one can run on as many machines as the catalog needs:

1. prepare: snapshot every artist's profile, compute features, embeddings and cells, store
   them where the shards can read them, and cut the catalog into shards;
2. compute a shard: the lists of one slice of artists, searched against the whole
   snapshot, written into the new generation (any number of shards at once);
3. finish: catch up on what ingestion changed since the snapshot, then switch readers to
   the new generation in one transaction.

A rebuild that fails anywhere is abandoned: the generation being built is dropped and the
serving one never stops serving.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict

from domain.errors import RebuildIncompleteError
from domain.models import SimilarityGeneration, SimilarityProfile
from domain.neighbour_search import Cells, FeatureMatrix, SearchPlan, search
from domain.ports import SimilarityStore, SnapshotStore
from domain.recompute import update_lists
from domain.similarity import SHARD_SIZE, profile_features


class RebuildShard(BaseModel):
    """One slice of a rebuild: rows first_row (inclusive) to end_row of the snapshot."""

    model_config = ConfigDict(frozen=True)

    generation: int
    shard: int
    first_row: int
    end_row: int


class RebuildPlan(BaseModel):
    """What prepare hands the workflow: the generation and its shards."""

    model_config = ConfigDict(frozen=True)

    generation: int
    artist_count: int
    shards: tuple[RebuildShard, ...]


def prepare_rebuild(
    store: SimilarityStore, snapshots: SnapshotStore, shard_size: int = SHARD_SIZE
) -> RebuildPlan:
    generation, profiles = store.begin_rebuild()
    try:
        return _prepare(generation, profiles, store, snapshots, shard_size)
    except Exception as error:
        abandon_rebuild(generation, type(error).__name__, store, snapshots)
        raise


def _prepare(
    generation: int,
    profiles: Sequence[SimilarityProfile],
    store: SimilarityStore,
    snapshots: SnapshotStore,
    shard_size: int,
) -> RebuildPlan:
    matrix = FeatureMatrix.build(
        (profile.artist_id, profile.popularity, profile_features(profile)) for profile in profiles
    )
    vectors = matrix.embeddings()
    plan = SearchPlan.for_catalog(len(matrix))
    cells = Cells.train(vectors, plan)
    shard_count = max(1, math.ceil(len(matrix) / shard_size))
    store.save_rebuild_plan(
        generation,
        plan=plan,
        shard_count=shard_count,
        artist_ids=matrix.artist_ids.tolist(),
        vectors=vectors,
        cells=cells.of_row,
        centroids=cells.centroids,
    )
    snapshots.put_snapshot(
        generation,
        {**matrix.arrays(), **cells.arrays(), "vectors": vectors},
    )
    bounds = np.linspace(0, len(matrix), shard_count + 1).round().astype(int).tolist()
    return RebuildPlan(
        generation=generation,
        artist_count=len(matrix),
        shards=tuple(
            RebuildShard(generation=generation, shard=shard, first_row=start, end_row=end)
            for shard, (start, end) in enumerate(itertools.pairwise(bounds))
        ),
    )


def compute_shard(shard: RebuildShard, store: SimilarityStore, snapshots: SnapshotStore) -> int:
    """Write one shard's lists into the generation; returns how many artists it covered."""
    arrays = snapshots.get_snapshot(shard.generation)
    matrix = FeatureMatrix.from_arrays(arrays)
    rows = np.arange(shard.first_row, shard.end_row, dtype=np.int64)
    vectors = np.asarray(arrays["vectors"], dtype=np.float32)
    found = search(matrix, Cells.from_arrays(arrays), vectors, rows)
    store.write_shard(
        shard.generation,
        shard.shard,
        matrix.artist_ids[rows].tolist(),
        found.neighbours(matrix.artist_ids),
    )
    return len(rows)


def finish_rebuild(
    generation: int, store: SimilarityStore, snapshots: SnapshotStore
) -> SimilarityGeneration:
    """Catch the new generation up with ingestion since its snapshot and serve it."""
    building = _generation(store, generation)
    if building.state != "building" or building.shards_done != building.shard_count:
        raise RebuildIncompleteError(
            f"generation {generation} is {building.state} with"
            f" {building.shards_done} of {building.shard_count} shards written"
        )
    with store.updating(generation) as work:
        update_lists(work.changed_since_snapshot(), work)
        work.serve()
    store.drop_unused()
    snapshots.delete_snapshot(generation)
    return _generation(store, generation)


def abandon_rebuild(
    generation: int, reason: str, store: SimilarityStore, snapshots: SnapshotStore
) -> None:
    """Drop a rebuild that failed; the serving generation is untouched."""
    store.abandon(generation, reason)
    snapshots.delete_snapshot(generation)


def rebuild_in_process(store: SimilarityStore, snapshots: SnapshotStore) -> SimilarityGeneration:
    """All three steps in this process, one shard after another."""
    plan = prepare_rebuild(store, snapshots)
    try:
        for shard in plan.shards:
            compute_shard(shard, store, snapshots)
        return finish_rebuild(plan.generation, store, snapshots)
    except Exception as error:
        abandon_rebuild(plan.generation, type(error).__name__, store, snapshots)
        raise


def _generation(store: SimilarityStore, generation: int) -> SimilarityGeneration:
    found = store.generation(generation)
    if found is None:
        raise RebuildIncompleteError(f"generation {generation} does not exist")
    return found
