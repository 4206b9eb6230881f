"""Ingest step 2 (one Map item): fetch a batch from Spotify into the lake and the stores."""

from __future__ import annotations

from typing import Any

from domain.ingest import fetch_artists
from handlers.composition import dependencies
from handlers.events import FetchArtistsInput


def handle(event: dict[str, Any], context: object) -> dict[str, Any]:
    request = FetchArtistsInput.model_validate(event)
    summary = fetch_artists(request.artist_ids, request.as_of, dependencies().ingest())
    return summary.model_dump(mode="json")
