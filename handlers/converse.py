"""The events a webhook POST carried, answered after Messenger got its 200."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from domain.conversation import converse
from domain.models import IncomingEvent
from handlers.composition import dependencies, utc_now
from handlers.observability import follow_message, logger, observed


class ConverseInput(BaseModel):
    events: list[IncomingEvent]


@observed
def handle(event: dict[str, Any], context: object) -> dict[str, Any]:
    request = ConverseInput.model_validate(event)
    ports = dependencies().conversation()
    for incoming in request.events:
        follow_message(incoming.message_id)
        logger.info("Answering a %s", incoming.kind)
        converse(incoming, utc_now(), ports)
    return {"answered": len(request.events)}
