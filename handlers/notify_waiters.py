"""Ingest step 4: push the answer to every user who was waiting for these artists."""

from __future__ import annotations

from typing import Any

from domain.notify import notify_waiters
from handlers.composition import dependencies, utc_now
from handlers.events import ArtistIdsInput
from handlers.observability import follow_execution, observed


@observed
def handle(event: dict[str, Any], context: object) -> dict[str, Any]:
    request = ArtistIdsInput.model_validate(event)
    # Each answer's line names the message it answers (domain/notify.py).
    follow_execution(request.execution)
    answered = notify_waiters(request.artist_ids, utc_now(), dependencies().notify())
    return {"answered": answered}
