import json
from datetime import UTC, datetime

import pytest

from domain.errors import InvalidSignatureError, MalformedRequestError, VerificationFailedError
from domain.models import IncomingAttachment, IncomingPostback, IncomingText
from domain.webhook import (
    MAX_BODY_BYTES,
    MAX_JSON_DEPTH,
    MAX_MESSAGE_ID_CHARS,
    MAX_PAYLOAD_CHARS,
    MAX_TEXT_CHARS,
    MAX_TIMESTAMP_MS,
    Delivery,
    Skipped,
    parse_webhook_body,
    receive_webhook,
    verify_subscription,
)
from handlers.events import HttpApiEvent
from local.chat import sign
from tests.fakes import RecordingInbox

SECRET = "app-secret"
# Page-scoped IDs as Meta sends them: decimal digits.
U1, U2, U3, PAGE = "2400000000000001", "2400000000000002", "2400000000000003", "1500000000000001"
# Every item below is stamped 7 ms after the epoch.
SENT_AT = datetime.fromtimestamp(0.007, UTC)


def _body(*messaging: dict[str, object], entries: int = 1) -> bytes:
    entry = {"id": "page", "time": 1, "messaging": list(messaging)}
    return json.dumps({"object": "page", "entry": [entry] * entries}).encode()


def _from(user: str, **event: object) -> dict[str, object]:
    return {"sender": {"id": user}, "recipient": {"id": PAGE}, "timestamp": 7, **event}


def test_every_kind_of_messaging_item_becomes_the_right_event() -> None:
    # Given one POST with a text, an echo, a delivery, a read, a sticker, a quick reply
    # and a postback
    body = _body(
        _from(U1, message={"mid": "m1", "text": "Drake"}),
        _from(PAGE, message={"mid": "m2", "text": "hi", "is_echo": True}),
        _from(U1, delivery={"mids": ["m0"], "watermark": 5}),
        _from(U1, read={"watermark": 6}),
        _from(U2, message={"mid": "m3", "attachments": [{"type": "image"}], "sticker_id": 1}),
        _from(U2, message={"mid": "m4", "text": "Drake", "quick_reply": {"payload": "Q"}}),
        _from(U3, postback={"title": "More like this", "payload": "P", "mid": "m5"}),
        _from(U3, postback={"title": "Old", "payload": "P2"}),
    )
    # When it is parsed
    delivery = parse_webhook_body(body)
    # Then echoes, deliveries and reads are left out, and the rest keep their order
    assert delivery == Delivery(
        events=[
            IncomingText(user_id=U1, message_id="m1", sent_at=SENT_AT, text="Drake"),
            IncomingAttachment(user_id=U2, message_id="m3", sent_at=SENT_AT),
            IncomingPostback(user_id=U2, message_id="m4", sent_at=SENT_AT, payload="Q"),
            IncomingPostback(user_id=U3, message_id="m5", sent_at=SENT_AT, payload="P"),
            IncomingPostback(
                user_id=U3, message_id=f"postback-{U3}-7", sent_at=SENT_AT, payload="P2"
            ),
        ]
    )


def test_several_entries_in_one_post_are_all_read() -> None:
    body = _body(_from(U1, message={"mid": "m1", "text": "a"}), entries=3)
    assert len(parse_webhook_body(body).events) == 3


@pytest.mark.parametrize(
    ("raw", "skipped"),
    [
        (b"", Skipped(where="body", field="", reason="not_json")),
        (b"not json", Skipped(where="body", field="", reason="not_json")),
        (b"[]", Skipped(where="body", field="", reason="model_type")),
        (b'{"object": "page"}', Skipped(where="body", field="entry", reason="missing")),
        (
            b'{"object": "user", "entry": []}',
            Skipped(where="body", field="object", reason="not_page"),
        ),
        (
            b'{"object": "page", "entry": []}\xff',
            Skipped(where="body", field="", reason="not_utf8"),
        ),
        (b"[" * 5_000, Skipped(where="body", field="", reason="not_json")),
        (b"[" * 5_000 + b"]" * 5_000, Skipped(where="body", field="", reason="model_type")),
        (b" " * (MAX_BODY_BYTES + 1), Skipped(where="body", field="", reason="too_large")),
    ],
)
def test_a_body_that_is_not_a_page_event_is_skipped_whole(raw: bytes, skipped: Skipped) -> None:
    # Meta only sends page events as JSON; anything else signed with the app secret is
    # acknowledged and skipped, so that Meta neither retries it nor disables the webhook.
    # When such a body is parsed
    delivery = parse_webhook_body(raw)
    # Then nothing is answered, and the log says what was wrong with it
    assert delivery == Delivery(skipped=[skipped])


def test_brackets_inside_strings_do_not_count_towards_the_depth() -> None:
    # Given a text of nothing but brackets
    body = _body(_from(U1, message={"mid": "m1", "text": "[{" * MAX_JSON_DEPTH}))
    # When it is parsed / Then it is an ordinary text
    assert parse_webhook_body(body).events == [
        IncomingText(user_id=U1, message_id="m1", sent_at=SENT_AT, text="[{" * MAX_JSON_DEPTH)
    ]


@pytest.mark.parametrize(
    ("poison", "field", "reason"),
    [
        ({"recipient": {"id": PAGE}, "message": {"mid": "m9", "text": "x"}}, "sender", "missing"),
        (_from("", message={"mid": "m9", "text": "x"}), "sender.id", "string_pattern_mismatch"),
        (_from("u9", message={"mid": "m9", "text": "x"}), "sender.id", "string_pattern_mismatch"),
        (_from(U2, message={"mid": "", "text": "x"}), "message.mid", "string_too_short"),
        (
            _from(U2, message={"mid": "m" * (MAX_MESSAGE_ID_CHARS + 1), "text": "x"}),
            "message.mid",
            "string_too_long",
        ),
        (_from(U2, message={"mid": "m9", "text": "\ud800"}), "message.text", "string_unicode"),
        (_from(U2, message={"mid": "m9", "text": "a\x00b"}), "message.text", "nul_character"),
        (
            _from(U2, message={"mid": "m9", "text": "x" * (MAX_TEXT_CHARS + 1)}),
            "message.text",
            "string_too_long",
        ),
        (
            _from(U2, postback={"payload": "ARTIST\x00", "mid": "m9"}),
            "postback.payload",
            "nul_character",
        ),
        (
            _from(U2, postback={"payload": "P" * (MAX_PAYLOAD_CHARS + 1), "mid": "m9"}),
            "postback.payload",
            "string_too_long",
        ),
        (_from(U2, message={"mid": 9, "text": "x"}), "message.mid", "string_type"),
        (_from(U2, timestamp=-1, postback={"payload": "P"}), "timestamp", "greater_than_equal"),
        ([[[[]]]], "", "model_type"),
    ],
)
def test_one_unusable_item_is_skipped_and_the_others_are_still_answered(
    poison: object, field: str, reason: str
) -> None:
    # Given a delivery with a valid message on each side of an unusable item
    body = _body(
        _from(U1, message={"mid": "m1", "text": "Drake"}),
        poison,  # type: ignore[arg-type]
        _from(U3, message={"mid": "m3", "text": "IU"}),
    )
    # When it is parsed
    delivery = parse_webhook_body(body)
    # Then both valid messages are answered and the log names the field that failed
    assert delivery.events == [
        IncomingText(user_id=U1, message_id="m1", sent_at=SENT_AT, text="Drake"),
        IncomingText(user_id=U3, message_id="m3", sent_at=SENT_AT, text="IU"),
    ]
    assert delivery.skipped == [Skipped(where="entry[0].messaging[1]", field=field, reason=reason)]


def test_a_value_nested_too_deep_fails_only_the_item_that_reads_it() -> None:
    # Given a thousand-deep array as an item, as a message's text, and as a field nobody reads
    deep = "[" * 1_000 + "]" * 1_000
    answered = json.dumps(_from(U1, message={"mid": "m1", "text": "Drake"}))[:-1]
    text = json.dumps(_from(U2, message={"mid": "m2", "text": "@"})).replace('"@"', deep)
    items = f'{deep}, {answered}, "unread": {deep}}}, {text}'
    body = f'{{"object": "page", "entry": [{{"messaging": [{items}]}}]}}'.encode()
    # When it is parsed
    delivery = parse_webhook_body(body)
    # Then the item whose unread field is deep is answered, and the other two are skipped
    assert delivery.events == [
        IncomingText(user_id=U1, message_id="m1", sent_at=SENT_AT, text="Drake")
    ]
    assert delivery.skipped == [
        Skipped(where="entry[0].messaging[0]", field="", reason="model_type"),
        Skipped(where="entry[0].messaging[2]", field="message.text", reason="string_type"),
    ]


def test_an_integer_too_long_to_parse_fails_only_the_item_that_reads_it() -> None:
    # Given an unread field and a timestamp of 5,000 digits, each in an item of its own
    huge = "9" * 5_000
    unread = json.dumps(_from(U1, message={"mid": "m1", "text": "IU"}, unread=0))
    late = json.dumps(_from(U2, postback={"payload": "P"}))
    items = unread.replace('"unread": 0', f'"unread": {huge}') + ", " + late.replace("7", huge)
    body = f'{{"object": "page", "entry": [{{"messaging": [{items}]}}]}}'.encode()
    # When it is parsed / Then only the item that reads the integer is skipped
    delivery = parse_webhook_body(body)
    assert delivery.events == [
        IncomingText(user_id=U1, message_id="m1", sent_at=SENT_AT, text="IU")
    ]
    assert delivery.skipped == [
        Skipped(where="entry[0].messaging[1]", field="timestamp", reason="finite_number")
    ]


def test_an_entry_that_is_not_an_object_is_skipped_and_the_next_one_read() -> None:
    # Given a delivery whose first entry is a number
    good = {"id": PAGE, "messaging": [_from(U1, message={"mid": "m1", "text": "Drake"})]}
    body = json.dumps({"object": "page", "entry": [7, good]}).encode()
    # When it is parsed / Then the second entry is answered
    delivery = parse_webhook_body(body)
    assert delivery.events == [
        IncomingText(user_id=U1, message_id="m1", sent_at=SENT_AT, text="Drake")
    ]
    assert delivery.skipped == [Skipped(where="entry[0]", field="", reason="model_type")]


def test_a_signed_post_is_handed_off_to_be_answered() -> None:
    # Given a correctly signed POST
    body = _body(_from(U1, message={"mid": "m1", "text": "에스파"}))
    inbox = RecordingInbox()
    # When it is received
    delivery = receive_webhook(body, sign(body, SECRET), SECRET, inbox)
    # Then its events wait in the inbox
    assert delivery.skipped == []
    assert inbox.handed_off == [
        IncomingText(user_id=U1, message_id="m1", sent_at=SENT_AT, text="에스파")
    ]


def test_a_skipped_item_is_logged_by_field_without_what_it_held(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given a signed delivery whose only item has a NUL in its text
    body = _body(_from(U1, message={"mid": "m1", "text": "secret\x00words"}))
    inbox = RecordingInbox()
    # When it is received
    receive_webhook(body, sign(body, SECRET), SECRET, inbox)
    # Then nothing is handed off, and one log line names the item and field, not the text
    assert inbox.handed_off == []
    [record] = caplog.records
    assert (record.where, record.field, record.reason) == (  # type: ignore[attr-defined]
        "entry[0].messaging[0]",
        "message.text",
        "nul_character",
    )
    assert "secret" not in caplog.text
    assert U1 not in caplog.text


@pytest.mark.parametrize(
    "signature",
    [None, "", "sha256=", "sha1=abc", "sha256=" + "0" * 64, sign(b"other", SECRET)],
)
def test_a_bad_or_missing_signature_hands_nothing_off(signature: str | None) -> None:
    body = _body(_from(U1, message={"mid": "m1", "text": "Drake"}))
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


@pytest.mark.parametrize(("body", "is_base64_encoded"), [("not base64!", True), ("a\ud800", False)])
def test_an_api_event_whose_body_holds_no_bytes_is_malformed(
    body: str, is_base64_encoded: bool
) -> None:
    # Given an API Gateway event whose body cannot be the bytes anyone signed
    event = HttpApiEvent.model_validate(
        {
            "requestContext": {"http": {"method": "POST"}},
            "body": body,
            "isBase64Encoded": is_base64_encoded,
        }
    )
    # When its bytes are asked for / Then it is a malformed request (400), never a crash
    with pytest.raises(MalformedRequestError):
        event.raw_body()


def test_a_stamp_past_the_calendar_leaves_the_message_without_a_time() -> None:
    # Given a message stamped within the accepted bound but after the year 9999
    body = _body(_from(U1, timestamp=MAX_TIMESTAMP_MS, message={"mid": "m1", "text": "IU"}))
    # When it is parsed / Then it is answered as a message with no time of its own
    assert parse_webhook_body(body).events == [
        IncomingText(user_id=U1, message_id="m1", sent_at=None, text="IU")
    ]
