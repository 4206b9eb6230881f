"""Messenger's webhook protocol: subscription checks, signatures, and the events in a POST."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime

from pydantic import BaseModel, ConfigDict, ValidationError

from domain.conversation import ConversationPorts, answer_text
from domain.errors import InvalidSignatureError, MalformedRequestError, VerificationFailedError
from domain.models import IncomingText

_SIGNATURE_PREFIX = "sha256="


def verify_subscription(
    mode: str | None, token: str | None, challenge: str | None, expected_token: str
) -> str:
    """The challenge to echo back when Messenger subscribes with our verify token."""
    token_matches = token is not None and hmac.compare_digest(
        token.encode("utf-8"), expected_token.encode("utf-8")
    )
    if mode != "subscribe" or not token_matches or not challenge:
        raise VerificationFailedError("webhook verification failed")
    return challenge


def verify_signature(raw_body: bytes, signature_header: str | None, app_secret: str) -> None:
    """X-Hub-Signature-256 is an HMAC-SHA256 of the raw bytes with the app secret."""
    if not signature_header or not signature_header.startswith(_SIGNATURE_PREFIX):
        raise InvalidSignatureError("missing X-Hub-Signature-256")
    expected = hmac.new(app_secret.encode("utf-8"), raw_body, hashlib.sha256).hexdigest()
    received = signature_header[len(_SIGNATURE_PREFIX) :].strip().lower()
    if not hmac.compare_digest(expected.encode("ascii"), received.encode("ascii", "replace")):
        raise InvalidSignatureError("X-Hub-Signature-256 does not match the body")


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Party(_Lenient):
    id: str


class _Message(_Lenient):
    mid: str
    text: str | None = None
    is_echo: bool = False


class _Messaging(_Lenient):
    sender: _Party
    message: _Message | None = None


class _Entry(_Lenient):
    messaging: list[_Messaging] = []


class WebhookBody(_Lenient):
    object: str
    entry: list[_Entry]


def parse_webhook_body(raw_body: bytes) -> list[IncomingText]:
    """The user messages in a webhook POST; echoes, deliveries and reads carry none."""
    try:
        body = WebhookBody.model_validate(json.loads(raw_body))
    except (ValueError, ValidationError) as error:
        raise MalformedRequestError("the body is not a Messenger webhook event") from error
    if body.object != "page":
        raise MalformedRequestError(f"unexpected webhook object {body.object!r}")
    return [
        IncomingText(
            user_id=item.sender.id, message_id=item.message.mid, text=item.message.text or ""
        )
        for entry in body.entry
        for item in entry.messaging
        if item.message is not None and not item.message.is_echo
    ]


def receive_webhook(
    raw_body: bytes,
    signature_header: str | None,
    app_secret: str,
    now: datetime,
    ports: ConversationPorts,
) -> int:
    """Check, parse and answer a webhook POST. Returns how many messages it carried.

    Nothing is read or written before the signature holds.
    """
    verify_signature(raw_body, signature_header, app_secret)
    messages = parse_webhook_body(raw_body)
    for message in messages:
        answer_text(message, now, ports)
    return len(messages)
