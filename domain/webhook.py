"""Messenger's webhook protocol: subscription checks, signatures, and the events in a POST."""

from __future__ import annotations

import hashlib
import hmac
import json

from pydantic import BaseModel, ConfigDict, ValidationError

from domain.errors import InvalidSignatureError, MalformedRequestError, VerificationFailedError
from domain.models import IncomingAttachment, IncomingEvent, IncomingPostback, IncomingText
from domain.ports import Inbox

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


class _QuickReply(_Lenient):
    payload: str


class _Message(_Lenient):
    mid: str
    text: str | None = None
    is_echo: bool = False
    quick_reply: _QuickReply | None = None


class _Postback(_Lenient):
    payload: str
    mid: str | None = None


class _Messaging(_Lenient):
    sender: _Party
    timestamp: int = 0
    message: _Message | None = None
    postback: _Postback | None = None


class _Entry(_Lenient):
    messaging: list[_Messaging] = []


class WebhookBody(_Lenient):
    object: str
    entry: list[_Entry]


def parse_webhook_body(raw_body: bytes) -> list[IncomingEvent]:
    """What users did, in order. Echoes of the page's own messages, deliveries and reads
    carry nothing to answer and are left out."""
    try:
        body = WebhookBody.model_validate(json.loads(raw_body))
    except (ValueError, ValidationError) as error:
        raise MalformedRequestError("the body is not a Messenger webhook event") from error
    if body.object != "page":
        raise MalformedRequestError(f"unexpected webhook object {body.object!r}")
    events = (_event(item) for entry in body.entry for item in entry.messaging)
    return [event for event in events if event is not None]


def _event(item: _Messaging) -> IncomingEvent | None:
    user_id = item.sender.id
    if item.postback is not None:
        # Older postbacks carry no mid; the sender and time identify a tap just as well.
        message_id = item.postback.mid or f"postback-{user_id}-{item.timestamp}"
        return IncomingPostback(
            user_id=user_id, message_id=message_id, payload=item.postback.payload
        )
    message = item.message
    if message is None or message.is_echo:
        return None
    if message.quick_reply is not None:
        return IncomingPostback(
            user_id=user_id, message_id=message.mid, payload=message.quick_reply.payload
        )
    if message.text is None:
        return IncomingAttachment(user_id=user_id, message_id=message.mid)
    return IncomingText(user_id=user_id, message_id=message.mid, text=message.text)


def receive_webhook(
    raw_body: bytes, signature_header: str | None, app_secret: str, inbox: Inbox
) -> int:
    """Check and parse a webhook POST, and hand its events on to be answered. Returns how
    many events it carried.

    Nothing is read or written before the signature holds; answering happens elsewhere so
    that Messenger gets its 200 at once, however slow Spotify is.
    """
    verify_signature(raw_body, signature_header, app_secret)
    events = parse_webhook_body(raw_body)
    if events:
        inbox.hand_off(events)
    return len(events)
