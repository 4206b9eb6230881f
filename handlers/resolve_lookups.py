"""Ingest step 0: search again what Spotify refused to search while a user waited."""

from __future__ import annotations

from typing import Any

from domain.lookups import resolve_lookups
from handlers.composition import dependencies, utc_now
from handlers.events import ResolveLookupsInput, ResolveLookupsOutput


def handle(event: dict[str, Any], context: object) -> dict[str, Any]:
    request = ResolveLookupsInput.model_validate(event)
    to_fetch = resolve_lookups(request.queued_requests(), utc_now(), dependencies().lookups())
    return ResolveLookupsOutput.of(request, to_fetch).model_dump(mode="json")
