"""Ingest step 1: turn what started the execution into batches of unique artist IDs."""

from __future__ import annotations

from typing import Any

from domain.ingest import plan_from_requests
from handlers.events import PlanBatchesInput


def handle(event: dict[str, Any], context: object) -> dict[str, Any]:
    request = PlanBatchesInput.model_validate(event)
    return plan_from_requests(request.artist_requests()).model_dump(mode="json")
