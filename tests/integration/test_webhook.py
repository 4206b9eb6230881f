"""The webhook through the local gateway, with real signatures, as Messenger calls it."""

import json
import time

import pytest
import requests

from adapters.lambda_inbox import ASYNC_PAYLOAD_LIMIT_BYTES
from domain.webhook import MAX_BODY_BYTES, MAX_TEXT_CHARS
from local import lambda_dispatch
from local.chat import ChatClient, messenger_event, sign
from local.stack import LocalStack
from tests.stack_probes import (
    SUBSCRIPTION_CHALLENGE,
    execution_count,
    item_count,
    queue_depth,
    table_rows,
    verify_subscription,
)


def _post(stack: LocalStack, body: bytes, signature: str | None) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return requests.post(stack.endpoints.webhook_url, data=body, headers=headers, timeout=10)


def _miss_body(stack: LocalStack) -> bytes:
    event = messenger_event(stack.endpoints.page_id, "2400000000000099", "Drake")
    return json.dumps(event).encode()


def _assert_no_trace(stack: LocalStack, executions_before: int) -> None:
    resources = stack.resources
    assert stack.graph.sent() == []
    assert queue_depth(stack) == 0
    assert execution_count(stack) == executions_before
    assert item_count(stack, resources.waiters_table) == 0
    assert item_count(stack, resources.messages_table) == 0
    assert table_rows(stack, "artists") == []
    assert table_rows(stack, "artist_aliases") == []


def test_subscription_check_echoes_the_challenge(clean_stack: LocalStack) -> None:
    # When Messenger verifies the webhook with our token
    response = verify_subscription(clean_stack)
    # Then the challenge comes back as it was sent
    assert response.status_code == 200
    assert response.text == SUBSCRIPTION_CHALLENGE


def test_subscription_check_with_a_wrong_token_or_mode_is_refused(clean_stack: LocalStack) -> None:
    url = clean_stack.endpoints.webhook_url
    good = clean_stack.endpoints.verify_token
    for mode, token in (("subscribe", "guess"), ("unsubscribe", good), ("subscribe", None)):
        params = {"hub.mode": mode, "hub.challenge": "42"}
        if token is not None:
            params["hub.verify_token"] = token
        # When the check is made with a wrong token, a wrong mode, or no token
        response = requests.get(url, params=params, timeout=10)
        # Then it is refused without echoing the challenge
        assert response.status_code == 403
        assert "42" not in response.text


def test_a_wrong_signature_is_refused_and_leaves_no_trace(clean_stack: LocalStack) -> None:
    # Given a real event signed with another secret
    body = _miss_body(clean_stack)
    before = execution_count(clean_stack)
    # When it is posted
    response = _post(clean_stack, body, sign(body, "not-the-app-secret"))
    # Then it is refused, and nothing was queued, sent or stored
    assert response.status_code == 403
    _assert_no_trace(clean_stack, before)


def test_a_missing_signature_is_refused_and_leaves_no_trace(clean_stack: LocalStack) -> None:
    body = _miss_body(clean_stack)
    before = execution_count(clean_stack)
    # When an unsigned event is posted
    response = _post(clean_stack, body, None)
    # Then it is refused, and nothing was queued, sent or stored
    assert response.status_code == 403
    _assert_no_trace(clean_stack, before)


def test_a_signature_over_other_bytes_is_refused(clean_stack: LocalStack) -> None:
    # Given a signature over the body before someone changed one byte of it
    body = _miss_body(clean_stack)
    signature = sign(body, clean_stack.endpoints.app_secret)
    tampered = body.replace(b"Drake", b"Drakf")
    before = execution_count(clean_stack)
    # When the changed body is posted with the old signature / Then it is refused
    assert _post(clean_stack, tampered, signature).status_code == 403
    _assert_no_trace(clean_stack, before)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'{"object": "page"}',
        b'{"object": "instagram", "entry": []}',
        b"[" * 1_000 + b"]" * 1_000,
        b"[" * 100_000,
        b'{"object": "page", "entry": [\xed\xa0\x80]}',
        b'{"object": "page\xff", "entry": []}',
        b'{"object": "\\ud800", "entry": []}',
    ],
    ids=[
        "not-json",
        "no-entry",
        "other-object",
        "deep",
        "unbalanced-deep",
        "encoded-surrogate",
        "invalid-utf8",
        "escaped-surrogate",
    ],
)
def test_a_signed_body_that_is_not_a_page_event_is_acknowledged_and_skipped(
    clean_stack: LocalStack, body: bytes
) -> None:
    # Meta only signs what it sends: answering anything but 200 to a signed delivery would
    # make Meta retry it and, in time, disable the webhook (this used to be a 400, or a 500).
    before = execution_count(clean_stack)
    # When a correctly signed body that is no page event is posted
    response = _post(clean_stack, body, sign(body, clean_stack.endpoints.app_secret))
    # Then Messenger gets its 200, and nothing is sent, queued or stored
    assert response.status_code == 200
    _assert_no_trace(clean_stack, before)


def _beside(stack: LocalStack, user_id: str, poison: str) -> bytes:
    """A signed-to-be delivery with an unusable item before a valid message of user_id's."""
    event = messenger_event(stack.endpoints.page_id, user_id, "Zzyzx Quartet")
    return json.dumps(event).replace('"messaging": [', f'"messaging": [{poison}, ').encode()


_OTHER_USER = "2400000000000078"


@pytest.mark.parametrize(
    "poison",
    [
        f'{{"sender": {{"id": "{_OTHER_USER}"}}, "message": {{"mid": "m_p", "text": "\\ud800"}}}}',
        "[" * 1_000 + "]" * 1_000,
        f'{{"sender": {{"id": "{_OTHER_USER}"}}, "message": {{"mid": "m_p", "text": '
        + "[" * 1_000
        + "]" * 1_000
        + "}}",
        '{"recipient": {"id": "1"}, "message": {"mid": "m_p", "text": "Drake"}}',
        '{"sender": {"id": ""}, "message": {"mid": "m_p", "text": "Drake"}}',
        f'{{"sender": {{"id": "{_OTHER_USER}"}}, "message": {{"mid": "", "text": "Drake"}}}}',
        f'{{"sender": {{"id": "{_OTHER_USER}"}}, "message": {{"mid": "{"m" * 100_000}"}}}}',
        f'{{"sender": {{"id": "{_OTHER_USER}"}}, "postback": {{"payload": "ARTIST:en:\\u0000"}}}}',
        f'{{"sender": {{"id": "{_OTHER_USER}"}}, "message": {{"mid": "m_p", "text": "a\\u0000"}}}}',
    ],
    ids=[
        "lone-surrogate",
        "deep-array",
        "deep-text",
        "no-sender",
        "empty-sender",
        "empty-mid",
        "huge-mid",
        "nul-payload",
        "nul-text",
    ],
)
def test_a_valid_message_beside_an_unusable_item_is_answered_once(
    clean_stack: LocalStack, messenger_user: ChatClient, poison: str
) -> None:
    # Given a signed delivery with an unusable item before a user's valid message
    body = _beside(clean_stack, messenger_user.user_id, poison)
    # When it is posted
    response = _post(clean_stack, body, sign(body, clean_stack.endpoints.app_secret))
    # Then Messenger gets its 200, the user gets one answer, and nobody else gets any
    assert response.status_code == 200
    [reply] = messenger_user.replies(at_least=1)
    assert "couldn't find" in reply["body"]["message"]["text"]
    assert messenger_user.replies(at_least=1, timeout_seconds=1) == []
    recipients = {sent["body"]["recipient"]["id"] for sent in clean_stack.graph.sent()}
    assert recipients == {messenger_user.user_id}


def test_a_miss_is_queued_and_acknowledged(
    clean_stack: LocalStack, messenger_user: ChatClient
) -> None:
    # When a user asks for an artist the bot does not know
    response = messenger_user.say("Drake")
    # Then Messenger gets its 200 and the user is told the bot is looking
    assert response.status_code == 200
    assert response.text == "EVENT_RECEIVED"
    first = messenger_user.replies(at_least=1)[0]["body"]
    assert "looking them up" in first["message"]["text"]
    assert first["recipient"]["id"] == messenger_user.user_id


def test_a_redelivered_event_gets_one_reply(
    clean_stack: LocalStack, messenger_user: ChatClient
) -> None:
    # Given a signed event for a name nobody knows
    body = json.dumps(
        messenger_event(clean_stack.endpoints.page_id, messenger_user.user_id, "Zzyzx Quartet")
    ).encode()
    signature = sign(body, clean_stack.endpoints.app_secret)
    # When Messenger delivers it twice
    assert _post(clean_stack, body, signature).status_code == 200
    assert _post(clean_stack, body, signature).status_code == 200
    # Then the user got a single answer
    replies = messenger_user.replies(at_least=2, timeout_seconds=1)
    assert len(replies) == 1
    assert "couldn't find" in replies[0]["body"]["message"]["text"]


def test_a_delivery_larger_than_one_invocation_is_answered_whole(clean_stack: LocalStack) -> None:
    # Given a signed delivery of five users' longest Korean texts: about 600 KB as Meta escapes
    # them, 300 KB of events, more than one asynchronous invocation carries
    users = [f"24000000000008{n:02d}" for n in range(5)]
    page_id = clean_stack.endpoints.page_id
    items = [
        {
            "sender": {"id": user},
            "recipient": {"id": page_id},
            "timestamp": int(time.time() * 1000),
            "message": {"mid": f"m_long_{user}", "text": "가" * MAX_TEXT_CHARS},
        }
        for user in users
    ]
    body = json.dumps({"object": "page", "entry": [{"id": page_id, "messaging": items}]})
    raw = body.encode()
    assert ASYNC_PAYLOAD_LIMIT_BYTES < len(raw) <= MAX_BODY_BYTES
    chats = [clean_stack.messenger_user(user) for user in users]
    # When it is posted
    response = _post(clean_stack, raw, sign(raw, clean_stack.endpoints.app_secret))
    # Then Messenger gets its 200 and each user gets exactly one answer
    assert response.status_code == 200
    for chat in chats:
        assert len(chat.replies(at_least=1, timeout_seconds=60)) == 1
        assert chat.replies(at_least=1, timeout_seconds=0.5) == []


def test_a_reply_the_send_api_fails_for_now_is_sent_again_within_seconds(
    clean_stack: LocalStack, messenger_user: ChatClient
) -> None:
    # Given Drake and two other rappers are known, the stack tries a failed invocation again
    # after Lambda's minute, and the Send API fails the next three sends for now (HTTP 500,
    # Graph's temporary error)
    clean_stack.ingest(
        ["3TVXtAsR1Inumwj472S9r4", "1ZwdS5xdxEREPySFridCfh", "7dGJo4pcD2V6oG8kP0tJRR"],
        name="send-retry-known",
    )
    clean_stack.graph.fail_next(3, "temporary")
    lambda_dispatch.use_retry_waits(lambda_dispatch.LAMBDA_RETRY_WAITS_SECONDS)
    try:
        # When the user names him
        assert messenger_user.say("Drake").status_code == 200
        # Then the carousel comes within seconds, once: the reply waited out the failures
        # itself, and the typing indicator it could not show did not cost the answer
        [answer] = messenger_user.replies(at_least=1, timeout_seconds=15)
        assert "attachment" in answer["body"]["message"]
        assert messenger_user.replies(at_least=1, timeout_seconds=1) == []
    finally:
        lambda_dispatch.use_retry_waits(lambda_dispatch.QUICK_RETRY_WAITS_SECONDS)
        clean_stack.graph.clear_faults()
