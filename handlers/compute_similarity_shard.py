"""Rebuild step 2 (one Distributed Map item): the lists of one shard of the snapshot."""

from __future__ import annotations

from typing import Any

from domain.rebuild import RebuildShard, compute_shard
from handlers.composition import dependencies


def handle(event: dict[str, Any], context: object) -> dict[str, Any]:
    shard = RebuildShard.model_validate(event)
    deps = dependencies()
    # A constant-size answer: the Map collects one per shard.
    return {"shard": shard.shard, "artists": compute_shard(shard, deps.similarity, deps.snapshots)}
