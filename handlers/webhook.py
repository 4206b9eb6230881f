"""POST and GET /webhook: Messenger's events in, answers out."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from domain.errors import InvalidSignatureError, MalformedRequestError, VerificationFailedError
from domain.webhook import receive_webhook, verify_subscription
from handlers.composition import dependencies
from handlers.events import HttpApiEvent
from handlers.observability import follow_messages, logger, observed


@observed
def handle(event: dict[str, Any], context: object) -> dict[str, Any]:
    try:
        request = HttpApiEvent.model_validate(event)
    except ValidationError:
        return _text(400, "not an HTTP API event")
    deps = dependencies()
    try:
        if request.method == "GET":
            q = request.query
            challenge = verify_subscription(
                q.get("hub.mode"),
                q.get("hub.verify_token"),
                q.get("hub.challenge"),
                deps.generated_secrets.verify_token.get_secret_value(),
            )
            return _text(200, challenge)
        delivery = receive_webhook(
            request.raw_body(),
            request.headers.get("x-hub-signature-256"),
            deps.application_secrets.app_secret.get_secret_value(),
            deps.inbox,
        )
        follow_messages(received.message_id for received in delivery.events)
        logger.info("Handed %d events on to be answered", len(delivery.events))
    except (InvalidSignatureError, VerificationFailedError) as refused:
        return _text(403, str(refused))
    except MalformedRequestError as malformed:
        return _text(400, str(malformed))
    return _text(200, "EVENT_RECEIVED")


def _text(status: int, body: str) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"content-type": "text/plain"}, "body": body}
