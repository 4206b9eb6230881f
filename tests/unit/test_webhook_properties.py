"""Properties of the webhook parser over bodies nobody wrote by hand."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from domain.errors import InvalidSignatureError
from domain.models import IncomingEvent, IncomingText
from domain.webhook import (
    MAX_MESSAGE_ID_CHARS,
    MAX_PAYLOAD_CHARS,
    MAX_TEXT_CHARS,
    SENDER_ID_PATTERN,
    parse_webhook_body,
    receive_webhook,
)
from local.chat import sign
from tests.fakes import RecordingInbox

SECRET = "app-secret"
_EVENTS = TypeAdapter(list[IncomingEvent])

# Strings as hostile as JSON can carry: any code point, lone surrogates and NUL included.
_any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=20)
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | _any_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_any_text, inner, max_size=4),
    max_leaves=20,
)
_field_names = st.sampled_from(
    ["object", "entry", "messaging", "sender", "id", "message", "mid", "text", "postback"]
)
# Documents shaped like a webhook body, with anything at any place.
_near_webhook_bodies = st.recursive(
    _json_values,
    lambda inner: st.dictionaries(_field_names, inner, max_size=4) | st.lists(inner, max_size=3),
    max_leaves=30,
).map(lambda document: {"object": "page", "entry": [document]})
_page_scoped_ids = st.from_regex(r"\A[0-9]{1,32}\Z")
_message_ids = st.text(
    st.characters(codec="utf-8", exclude_characters="\x00"),
    min_size=1,
    max_size=MAX_MESSAGE_ID_CHARS,
)
_texts = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=50)


def _dumped(document: Any) -> bytes:
    # ensure_ascii writes a lone surrogate as the \ud800 escape JSON allows.
    return json.dumps(document, ensure_ascii=True).encode("ascii")


def _assert_answerable(events: list[IncomingEvent]) -> None:
    for event in events:
        assert re.match(SENDER_ID_PATTERN, event.user_id)
        assert 0 < len(event.message_id) <= MAX_MESSAGE_ID_CHARS
        for value in vars(event).values():
            assert "\x00" not in value
        if isinstance(event, IncomingText):
            assert len(event.text) <= MAX_TEXT_CHARS
        if hasattr(event, "payload"):
            assert len(event.payload) <= MAX_PAYLOAD_CHARS
    # Handing off serializes the events as UTF-8 JSON: every one of them must survive it.
    assert _EVENTS.validate_json(_EVENTS.dump_json(events)) == events


@given(st.binary(max_size=300))
def test_any_bytes_parse_to_answerable_events_or_skipped_parts(raw: bytes) -> None:
    # When any bytes at all are parsed / Then nothing raises, and what comes out can be answered
    delivery = parse_webhook_body(raw)
    _assert_answerable(delivery.events)


@given(_json_values | _near_webhook_bodies)
def test_any_json_parses_to_answerable_events_or_skipped_parts(document: Any) -> None:
    # When any JSON document is parsed
    delivery = parse_webhook_body(_dumped(document))
    # Then nothing raises, and each event could be handed off and answered
    _assert_answerable(delivery.events)


def _messaging(item: Any) -> Any:
    """A text message from a (sender, mid, text) triple; anything else as it is."""
    if not isinstance(item, tuple):
        return item
    user_id, message_id, text = item
    return {"sender": {"id": user_id}, "message": {"mid": message_id, "text": text}}


@given(st.lists(st.tuples(_page_scoped_ids, _message_ids, _texts) | _json_values, max_size=8))
def test_valid_items_survive_beside_any_poison(items: list[Any]) -> None:
    # Given valid texts interleaved with arbitrary JSON values
    body = _dumped({"object": "page", "entry": [{"messaging": [_messaging(i) for i in items]}]})
    # When the delivery is parsed
    delivery = parse_webhook_body(body)
    # Then every valid text is an event, in order, whatever stood beside it
    expected = [
        IncomingText(user_id=user_id, message_id=message_id, text=text)
        for user_id, message_id, text in (item for item in items if isinstance(item, tuple))
    ]
    assert [event for event in delivery.events if event in expected] == expected


@given(st.binary(max_size=200), st.text(max_size=80) | st.none())
def test_a_wrong_signature_is_refused_whatever_the_body(raw: bytes, header: str | None) -> None:
    # Given any body and a header other than its signature
    inbox = RecordingInbox()
    if header == sign(raw, SECRET):
        return
    # When it is received / Then it is refused and nothing is handed off
    with pytest.raises(InvalidSignatureError):
        receive_webhook(raw, header, SECRET, inbox)
    assert inbox.handed_off == []


@given(st.binary(max_size=300) | _json_values.map(_dumped))
def test_a_signed_body_is_always_acknowledged(raw: bytes) -> None:
    # When any correctly signed body is received / Then it does not raise, and only
    # answerable events are handed off
    inbox = RecordingInbox()
    delivery = receive_webhook(raw, sign(raw, SECRET), SECRET, inbox)
    assert inbox.handed_off == delivery.events
    _assert_answerable(list(inbox.handed_off))
