import json

import pytest

from domain.errors import InvalidSignatureError, MalformedRequestError, VerificationFailedError
from domain.models import IncomingAttachment, IncomingPostback, IncomingText
from domain.webhook import parse_webhook_body, receive_webhook, verify_subscription
from local.chat import sign
from tests.fakes import RecordingInbox

SECRET = "app-secret"


def _body(*messaging: dict[str, object], entries: int = 1) -> bytes:
    entry = {"id": "page", "time": 1, "messaging": list(messaging)}
    return json.dumps({"object": "page", "entry": [entry] * entries}).encode()


def _from(user: str, **event: object) -> dict[str, object]:
    return {"sender": {"id": user}, "recipient": {"id": "page"}, "timestamp": 7, **event}


def test_every_kind_of_messaging_item_becomes_the_right_event() -> None:
    # Given one POST with a text, an echo, a delivery, a read, a sticker, a quick reply
    # and a postback
    body = _body(
        _from("u1", message={"mid": "m1", "text": "Drake"}),
        _from("page", message={"mid": "m2", "text": "hi", "is_echo": True}),
        _from("u1", delivery={"mids": ["m0"], "watermark": 5}),
        _from("u1", read={"watermark": 6}),
        _from("u2", message={"mid": "m3", "attachments": [{"type": "image"}], "sticker_id": 1}),
        _from("u2", message={"mid": "m4", "text": "Drake", "quick_reply": {"payload": "Q"}}),
        _from("u3", postback={"title": "More like this", "payload": "P", "mid": "m5"}),
        _from("u3", postback={"title": "Old", "payload": "P2"}),
    )
    # When it is parsed
    events = parse_webhook_body(body)
    # Then echoes, deliveries and reads are left out, and the rest keep their order
    assert events == [
        IncomingText(user_id="u1", message_id="m1", text="Drake"),
        IncomingAttachment(user_id="u2", message_id="m3"),
        IncomingPostback(user_id="u2", message_id="m4", payload="Q"),
        IncomingPostback(user_id="u3", message_id="m5", payload="P"),
        IncomingPostback(user_id="u3", message_id="postback-u3-7", payload="P2"),
    ]


def test_several_entries_in_one_post_are_all_read() -> None:
    body = _body(_from("u1", message={"mid": "m1", "text": "a"}), entries=3)
    assert len(parse_webhook_body(body)) == 3


@pytest.mark.parametrize(
    "raw",
    [b"", b"not json", b"[]", b'{"object": "page"}', b'{"object": "user", "entry": []}'],
)
def test_a_body_that_is_not_a_page_event_is_malformed(raw: bytes) -> None:
    with pytest.raises(MalformedRequestError):
        parse_webhook_body(raw)


def test_a_signed_post_is_handed_off_to_be_answered() -> None:
    # Given a correctly signed POST
    body = _body(_from("u1", message={"mid": "m1", "text": "에스파"}))
    inbox = RecordingInbox()
    # When it is received
    count = receive_webhook(body, sign(body, SECRET), SECRET, inbox)
    # Then its events wait in the inbox
    assert count == 1
    assert inbox.handed_off == [IncomingText(user_id="u1", message_id="m1", text="에스파")]


@pytest.mark.parametrize(
    "signature",
    [None, "", "sha256=", "sha1=abc", "sha256=" + "0" * 64, sign(b"other", SECRET)],
)
def test_a_bad_or_missing_signature_hands_nothing_off(signature: str | None) -> None:
    body = _body(_from("u1", message={"mid": "m1", "text": "Drake"}))
    inbox = RecordingInbox()
    with pytest.raises(InvalidSignatureError):
        receive_webhook(body, signature, SECRET, inbox)
    assert inbox.handed_off == []


def test_the_signature_is_checked_before_the_body_is_read() -> None:
    # A malformed body with a wrong signature is a signature problem (403), not a 400.
    with pytest.raises(InvalidSignatureError):
        receive_webhook(b"not json", sign(b"x", SECRET), SECRET, RecordingInbox())


def test_subscription_returns_the_challenge_for_the_right_token() -> None:
    assert verify_subscription("subscribe", "token", "12345", "token") == "12345"


@pytest.mark.parametrize(
    ("mode", "token", "challenge"),
    [
        ("subscribe", "wrong", "1"),
        ("unsubscribe", "token", "1"),
        (None, None, None),
        ("subscribe", "token", None),
        ("subscribe", "토큰", "1"),
    ],
)
def test_subscription_with_anything_else_fails(
    mode: str | None, token: str | None, challenge: str | None
) -> None:
    with pytest.raises(VerificationFailedError):
        verify_subscription(mode, token, challenge, "token")
