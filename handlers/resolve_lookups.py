"""Ingest step 0: search again what Spotify refused to search while a user waited."""

from __future__ import annotations

from typing import Any

from domain.lookups import resolve_lookups
from handlers.composition import dependencies, utc_now
from handlers.events import ResolveLookupsInput, ResolveLookupsOutput
from handlers.observability import follow_execution, follow_messages, logger, observed


@observed
def handle(event: dict[str, Any], context: object) -> dict[str, Any]:
    request = ResolveLookupsInput.model_validate(event)
    queued = request.queued_requests()
    follow_execution(request.execution)
    follow_messages(one.message_id for one in queued)
    logger.info("Resolving %d queued requests", len(queued))
    to_fetch = resolve_lookups(queued, utc_now(), dependencies().lookups())
    return ResolveLookupsOutput.of(request, to_fetch).model_dump(mode="json")
