"""Messenger's webhook protocol: subscription checks, signatures, and the events in a POST."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import logging
import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)
from pydantic_core import PydanticCustomError

from contracts.names import LogEvent
from domain.errors import InvalidSignatureError, VerificationFailedError
from domain.models import IncomingAttachment, IncomingEvent, IncomingPostback, IncomingText
from domain.ports import Inbox

_log = logging.getLogger(__name__)

_SIGNATURE_PREFIX = "sha256="

# What a signed delivery may hold. Meta's own deliveries stay far inside every limit; a body
# or an item beyond one is acknowledged and skipped rather than failed, because Meta retries
# a failed delivery (valid items included) and disables a webhook that keeps failing.

# Far above Meta's deliveries, and far below the 6 MB a Lambda receives: the events it holds
# are handed on in as many asynchronous invocations as their size needs (256 KB each).
MAX_BODY_BYTES = 1024 * 1024
# Meta's deepest delivery, the echo of a carousel (buttons inside the elements of an
# attachment's payload), nests about a dozen levels. Whatever nests deeper is cut off before
# parsing, which recurses once per level and would exhaust the stack at about a thousand.
MAX_JSON_DEPTH = 32
# Python parses no integer of more than 4,300 digits (a guard against slow conversion); Meta's
# longest, a timestamp, has 13.
MAX_INTEGER_DIGITS = 19
# Meta's message IDs are about a hundred ASCII characters; each is a DynamoDB key (at most
# 2,048 bytes), and 256 characters of up to 4 bytes each stay within that.
MAX_MESSAGE_ID_CHARS = 256
# Far above what anyone types as a name: long pastes are still answered (a reply quotes a
# shortened query), and the name lookup's work, which grows with every character, stays small.
MAX_TEXT_CHARS = 20_000
# The Send API's limit on the payload of a button or quick reply, which is all Meta sends back.
MAX_PAYLOAD_CHARS = 1_000
# Page-scoped IDs are decimal digits (sixteen or so today); anything else is no user the Send
# API could answer.
SENDER_ID_PATTERN = r"^[0-9]{1,32}$"
# Milliseconds since the epoch; bounded so a postback's stand-in message ID stays short.
MAX_TIMESTAMP_MS = 10**15
# Later stamps are taken as no time at all: Python's datetime ends with the year 9999.
_LATEST_DATETIME_MS = int(datetime.max.replace(tzinfo=UTC).timestamp() * 1000)


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


def _storable(value: str) -> str:
    """A string handed on may be stored in PostgreSQL, whose text holds no NUL: one would
    fail there, long after Meta's 200. (pydantic already refuses lone surrogates.)"""
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "must not contain NUL")
    return value


_SenderId = Annotated[str, StringConstraints(pattern=SENDER_ID_PATTERN)]
_MessageId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_MESSAGE_ID_CHARS),
    AfterValidator(_storable),
]
_Text = Annotated[str, StringConstraints(max_length=MAX_TEXT_CHARS), AfterValidator(_storable)]
_Payload = Annotated[
    str, StringConstraints(max_length=MAX_PAYLOAD_CHARS), AfterValidator(_storable)
]


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Party(_Lenient):
    id: _SenderId


class _QuickReply(_Lenient):
    payload: _Payload


class _Message(_Lenient):
    mid: _MessageId
    text: _Text | None = None
    is_echo: bool = False
    quick_reply: _QuickReply | None = None


class _Postback(_Lenient):
    payload: _Payload
    mid: _MessageId | None = None


class _Messaging(_Lenient):
    sender: _Party
    timestamp: int = Field(default=0, ge=0, le=MAX_TIMESTAMP_MS)
    message: _Message | None = None
    postback: _Postback | None = None


class _Entry(_Lenient):
    messaging: list[Any] = []


class _Envelope(_Lenient):
    object: str
    entry: list[Any]


@dataclasses.dataclass(frozen=True)
class Skipped:
    """Part of a delivery left unanswered: where it sits, which field failed and why, never
    what it held (user text and IDs stay out of logs)."""

    where: str
    field: str
    reason: str


@dataclasses.dataclass(frozen=True)
class Delivery:
    """What a signed POST carried: the events to answer, in order, and what was skipped."""

    events: list[IncomingEvent] = dataclasses.field(default_factory=list)
    skipped: list[Skipped] = dataclasses.field(default_factory=list)


# A JSON string (whose brackets are text) or a bracket.
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
# What a too-deep value becomes: an empty object fails every field the webhook reads, so an
# item holding one where it matters is skipped, and one holding it where nothing is read is not.
_CUT_OFF = "{}"


def parse_webhook_body(raw_body: bytes) -> Delivery:
    """What users did, in order. Each entry and each messaging item stands on its own: one
    that cannot be answered is skipped, and the others still are. Echoes of the page's own
    messages, deliveries and reads carry nothing to answer and are left out unremarked."""
    document, unreadable = _document(raw_body)
    if unreadable:
        return Delivery(skipped=[Skipped(where="body", field="", reason=unreadable)])
    try:
        envelope = _Envelope.model_validate(document)
    except ValidationError as error:
        return Delivery(skipped=_skipped("body", error))
    if envelope.object != "page":
        return Delivery(skipped=[Skipped(where="body", field="object", reason="not_page")])
    delivery = Delivery()
    for entry_number, raw_entry in enumerate(envelope.entry):
        where = f"entry[{entry_number}]"
        try:
            entry = _Entry.model_validate(raw_entry)
        except ValidationError as error:
            delivery.skipped.extend(_skipped(where, error))
            continue
        for item_number, raw_item in enumerate(entry.messaging):
            item_where = f"{where}.messaging[{item_number}]"
            try:
                event = _event(_Messaging.model_validate(raw_item))
            except ValidationError as error:
                delivery.skipped.extend(_skipped(item_where, error))
                continue
            if event is not None:
                delivery.events.append(event)
    return delivery


def _document(raw_body: bytes) -> tuple[Any, str]:
    """The parsed JSON, or why the bytes are no JSON this webhook reads."""
    if len(raw_body) > MAX_BODY_BYTES:
        return None, "too_large"
    try:
        text = raw_body.decode("utf-8")
    except UnicodeDecodeError:
        return None, "not_utf8"
    shallow = _cut_to_depth(text)
    if shallow is None:
        return None, "not_json"
    try:
        return json.loads(shallow, parse_int=_integer), ""
    except ValueError:
        return None, "not_json"


def _cut_to_depth(text: str) -> str | None:
    """text with each array or object nested deeper than MAX_JSON_DEPTH replaced, or None
    when its brackets do not balance: no JSON then, and the parser would recurse once per
    bracket before finding out."""
    kept: list[str] = []
    kept_from = depth = 0
    for token in _STRING_OR_BRACKET.finditer(text):
        bracket = token.group()
        if bracket in ("[", "{"):
            depth += 1
            if depth == MAX_JSON_DEPTH + 1:
                kept += (text[kept_from : token.start()], _CUT_OFF)
        elif bracket in ("]", "}"):
            if depth == MAX_JSON_DEPTH + 1:
                kept_from = token.end()
            depth -= 1
            if depth < 0:
                return None
    if depth:
        return None
    return "".join(kept) + text[kept_from:]


def _integer(digits: str) -> int | float:
    # A longer integer becomes a float, infinite if need be: no field the webhook reads
    # takes it, and the item it sits in is judged on its own rather than failing the body.
    return int(digits) if len(digits.lstrip("-")) <= MAX_INTEGER_DIGITS else float(digits)


def _skipped(where: str, error: ValidationError) -> list[Skipped]:
    # loc holds field names and list positions only, and type is pydantic's error code:
    # neither carries what the field held.
    return [
        Skipped(where=where, field=".".join(map(str, problem["loc"])), reason=problem["type"])
        for problem in error.errors(include_url=False, include_input=False)
    ]


def _event(item: _Messaging) -> IncomingEvent | None:
    user_id = item.sender.id
    sent_at = (
        datetime.fromtimestamp(item.timestamp / 1000, UTC)
        if 0 < item.timestamp <= _LATEST_DATETIME_MS
        else None
    )
    if item.postback is not None:
        # Older postbacks carry no mid; the sender and time identify a tap just as well.
        message_id = item.postback.mid or f"postback-{user_id}-{item.timestamp}"
        return IncomingPostback(
            user_id=user_id, message_id=message_id, sent_at=sent_at, payload=item.postback.payload
        )
    message = item.message
    if message is None or message.is_echo:
        return None
    if message.quick_reply is not None:
        return IncomingPostback(
            user_id=user_id,
            message_id=message.mid,
            sent_at=sent_at,
            payload=message.quick_reply.payload,
        )
    if message.text is None:
        return IncomingAttachment(user_id=user_id, message_id=message.mid, sent_at=sent_at)
    return IncomingText(user_id=user_id, message_id=message.mid, sent_at=sent_at, text=message.text)


def receive_webhook(
    raw_body: bytes, signature_header: str | None, app_secret: str, inbox: Inbox
) -> Delivery:
    """Check and parse a webhook POST, and hand its events on to be answered.

    Nothing is read or written before the signature holds; answering happens elsewhere so
    that Messenger gets its 200 at once, however slow Spotify is. A signed delivery is never
    refused for what it holds: what cannot be answered is logged and skipped.
    """
    verify_signature(raw_body, signature_header, app_secret)
    delivery = parse_webhook_body(raw_body)
    for skipped in delivery.skipped:
        _log.warning(
            "webhook delivery: %s skipped (%s: %s)",
            skipped.where,
            skipped.field or "-",
            skipped.reason,
            extra={
                LogEvent.FIELD: LogEvent.WEBHOOK_ITEM_SKIPPED,
                "where": skipped.where,
                "field": skipped.field,
                "reason": skipped.reason,
            },
        )
    if delivery.events:
        inbox.hand_off(delivery.events)
    return delivery
