"""The local webhook, in front of which the Graph sink learns who wrote to the page and when.

Messenger knows when each user last wrote because the message went through it; on one
machine the signed deliveries are where that is seen, so the sink can hold the page to the
24-hour window the real Send API enforces.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from pydantic import ValidationError

from domain.errors import InvalidSignatureError, MalformedRequestError
from domain.webhook import verify_signature
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
        for user_id in dict.fromkeys(_writers(raw_body)):
            user_wrote(user_id)
        return handle(event, context)

    return witnessed


def _writers(raw_body: bytes) -> Iterator[str]:
    """The sender of each message or postback in a delivery; echoes of the page's own
    messages, deliveries and reads open no window. Whatever is malformed names nobody: the
    webhook judges it."""
    try:
        document = json.loads(raw_body)
        items = [item for entry in document["entry"] for item in entry["messaging"]]
    except (ValueError, KeyError, TypeError, RecursionError):
        return
    for item in items:
        if not isinstance(item, dict):
            continue
        message = item.get("message")
        wrote = item.get("postback") is not None or (
            isinstance(message, dict) and not message.get("is_echo")
        )
        sender = item.get("sender")
        if wrote and isinstance(sender, dict) and isinstance(sender.get("id"), str):
            yield sender["id"]
