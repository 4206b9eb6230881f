import json
from typing import Any

from local.chat import messenger_event, sign
from local.webhook_witness import telling_the_sink_who_wrote

APP_SECRET = "app-secret-for-the-witness"
PAGE_ID = "100000000000001"
USER_ID = "2400000000000601"


def _post(body: dict[str, Any], signature: str | None = None) -> dict[str, Any]:
    raw = json.dumps(body)
    headers = {"X-Hub-Signature-256": signature or sign(raw.encode(), APP_SECRET)}
    return {"requestContext": {"http": {"method": "POST"}}, "headers": headers, "body": raw}


def _witness(event: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    """Who the sink was told wrote, and what the webhook was handed."""
    wrote: list[str] = []
    handled: list[dict[str, Any]] = []

    def webhook(event: dict[str, Any], context: object) -> dict[str, Any]:
        handled.append(event)
        return {"statusCode": 200}

    telling_the_sink_who_wrote(webhook, wrote.append, APP_SECRET)(event, None)
    return wrote, handled


def test_a_signed_message_tells_the_sink_its_sender_wrote() -> None:
    # Given a signed delivery of a user's message / When it reaches the webhook
    event = _post(messenger_event(PAGE_ID, USER_ID, "aespa"))
    wrote, handled = _witness(event)
    # Then the sink knows the user wrote, and the webhook still gets the delivery
    assert wrote == [USER_ID]
    assert handled == [event]


def test_an_unsigned_delivery_or_an_echo_tells_the_sink_nothing() -> None:
    # Given a delivery with a wrong signature, and a signed echo of the page's own message
    forged = _post(messenger_event(PAGE_ID, USER_ID, "aespa"), signature="sha256=00")
    echo_body = messenger_event(PAGE_ID, USER_ID, "hello")
    echo_body["entry"][0]["messaging"][0]["message"]["is_echo"] = True
    # When each reaches the webhook / Then nobody wrote, and the webhook judges both
    for event in (forged, _post(echo_body)):
        wrote, handled = _witness(event)
        assert wrote == []
        assert handled == [event]
