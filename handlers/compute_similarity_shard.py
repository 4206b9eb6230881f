"""Rebuild step 2 (one Distributed Map item): the lists of one shard of the snapshot."""

from __future__ import annotations

from typing import Any

from domain.rebuild import RebuildShard, compute_shard
from handlers.composition import dependencies
from handlers.events import ComputeShardInput
from handlers.observability import follow_execution, logger, observed


@observed
def handle(event: dict[str, Any], context: object) -> dict[str, Any]:
    request = ComputeShardInput.model_validate(event)
    shard = RebuildShard.model_validate(request.shard)
    follow_execution(request.execution)
    logger.info("Computing shard %d of generation %d", shard.shard, shard.generation)
    deps = dependencies()
    # A constant-size answer: the Map collects one per shard.
    return {"shard": shard.shard, "artists": compute_shard(shard, deps.similarity, deps.snapshots)}
