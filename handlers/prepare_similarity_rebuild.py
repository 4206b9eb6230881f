"""Rebuild step 1: snapshot every artist's features, train the cells, plan the shards."""

from __future__ import annotations

from typing import Any

from domain.rebuild import prepare_rebuild
from handlers.composition import dependencies
from handlers.events import PrepareRebuildInput
from handlers.observability import follow_execution, logger, observed


@observed
def handle(event: dict[str, Any], context: object) -> dict[str, Any]:
    request = PrepareRebuildInput.model_validate(event)
    follow_execution(request.execution)
    logger.info("Preparing a similarity rebuild")
    deps = dependencies()
    plan = prepare_rebuild(deps.similarity, deps.snapshots, request.input.rebuild.shard_size)
    return plan.model_dump(mode="json")
