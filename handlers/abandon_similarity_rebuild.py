"""A rebuild that failed: drop its generation; the serving one keeps serving."""

from __future__ import annotations

from typing import Any

from domain.rebuild import abandon_rebuild
from handlers.composition import dependencies
from handlers.events import AbandonRebuildInput
from handlers.observability import follow_execution, logger, observed


@observed
def handle(event: dict[str, Any], context: object) -> dict[str, Any]:
    request = AbandonRebuildInput.model_validate(event)
    follow_execution(request.execution)
    logger.warning(
        "Abandoning similarity generation %d: %s", request.generation, request.failure.error
    )
    deps = dependencies()
    abandon_rebuild(request.generation, request.failure.error, deps.similarity, deps.snapshots)
    return {"generation": request.generation, "abandoned": True}
