"""Ingest step 1: turn what started the execution into batches of unique artist IDs."""

from __future__ import annotations

from typing import Any

from domain.ingest import plan_from_requests
from handlers.events import PlanBatchesInput
from handlers.observability import follow_execution, follow_messages, logger, observed


@observed
def handle(event: dict[str, Any], context: object) -> dict[str, Any]:
    request = PlanBatchesInput.model_validate(event)
    requests = request.artist_requests()
    follow_execution(request.execution)
    follow_messages(queued.message_id for queued in requests)
    logger.info("Planning batches for %d requested artists", len(requests))
    return plan_from_requests(requests).model_dump(mode="json")
