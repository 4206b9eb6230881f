"""Refresh step 1: list every known artist and write their batches as the Map's manifest."""

from __future__ import annotations

from typing import Any

from domain.refresh import plan_refresh
from handlers.composition import dependencies
from handlers.events import PlanRefreshInput
from handlers.observability import follow_execution, logger, observed


@observed
def handle(event: dict[str, Any], context: object) -> dict[str, Any]:
    request = PlanRefreshInput.model_validate(event)
    follow_execution(request.execution)
    logger.info("Planning the refresh of every known artist as of %s", request.as_of.isoformat())
    deps = dependencies()
    return plan_refresh(request.as_of, deps.known_artists, deps.manifests).model_dump(mode="json")
