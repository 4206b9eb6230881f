"""The local webhook, in front of which the Graph sink learns who wrote to the page and when.

Messenger knows when each user last wrote because the message went through it; on one
machine the signed deliveries are where that is seen, so the sink can hold the page to the
24-hour window the real Send API enforces.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from domain.errors import InvalidSignatureError, MalformedRequestError
from domain.webhook import parse_webhook_body, verify_signature
from handlers.events import HttpApiEvent

LambdaHandler = Callable[[dict[str, Any], object], dict[str, Any]]


def telling_the_sink_who_wrote(
    handle: LambdaHandler, user_wrote: Callable[[str], None], app_secret: str
) -> LambdaHandler:
    """`handle`, with `user_wrote` (the Graph sink's) called first for every user who wrote in
    a signed delivery: before the webhook hands the events on, so no answer can beat it."""

    def witnessed(event: dict[str, Any], context: object) -> dict[str, Any]:
        try:
            request = HttpApiEvent.model_validate(event)
            raw_body = request.raw_body()
            verify_signature(raw_body, request.headers.get("x-hub-signature-256"), app_secret)
        except (ValidationError, MalformedRequestError, InvalidSignatureError):
            # Not signed by Messenger: nobody wrote, and the webhook refuses it.
            return handle(event, context)
        # The events the webhook will answer, parsed as it parses them: echoes, deliveries and
        # reads open no window, and whatever it skips names nobody.
        for user_id in dict.fromkeys(e.user_id for e in parse_webhook_body(raw_body).events):
            user_wrote(user_id)
        return handle(event, context)

    return witnessed
