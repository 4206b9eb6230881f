"""Rebuild step 3: catch up with ingestion since the snapshot and switch readers over."""

from __future__ import annotations

from typing import Any

from domain.rebuild import finish_rebuild
from handlers.composition import dependencies
from handlers.events import GenerationInput
from handlers.observability import follow_execution, logger, observed


@observed
def handle(event: dict[str, Any], context: object) -> dict[str, Any]:
    request = GenerationInput.model_validate(event)
    follow_execution(request.execution)
    logger.info("Finishing similarity generation %d", request.generation)
    deps = dependencies()
    finished = finish_rebuild(request.generation, deps.similarity, deps.snapshots)
    return finished.model_dump(mode="json", include={"generation", "state", "artist_count"})
