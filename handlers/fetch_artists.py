"""Ingest step 2 (one Map item): fetch a batch from Spotify into the lake and the stores.

Called again for the IDs a rate limit deferred, after the workflow waited until retry_at;
what each attempt did adds up, so the batch's output tells the whole story."""

from __future__ import annotations

from typing import Any

from domain.ingest import fetch_artists
from handlers.composition import dependencies
from handlers.events import FetchArtistsInput, FetchArtistsOutput
from handlers.observability import follow_execution, logger, observed


@observed
def handle(event: dict[str, Any], context: object) -> dict[str, Any]:
    request = FetchArtistsInput.model_validate(event)
    follow_execution(request.execution)
    logger.info("Fetching %d artists", len(request.artist_ids))
    attempt = fetch_artists(request.artist_ids, request.as_of, dependencies().ingest())
    return FetchArtistsOutput.after(request, attempt).model_dump(mode="json")
