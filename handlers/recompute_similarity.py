"""Ingest step 3: neighbours for the new artists and for those whose lists they enter."""

from __future__ import annotations

from typing import Any

from domain.recompute import recompute_similarity
from handlers.composition import dependencies
from handlers.events import ArtistIdsInput
from handlers.observability import follow_execution, logger, observed


@observed
def handle(event: dict[str, Any], context: object) -> dict[str, Any]:
    request = ArtistIdsInput.model_validate(event)
    follow_execution(request.execution)
    logger.info("Recomputing the similar artists of %d artists", len(request.artist_ids))
    rewritten = recompute_similarity(request.artist_ids, dependencies().similarity)
    return {"rewritten": len(rewritten)}
