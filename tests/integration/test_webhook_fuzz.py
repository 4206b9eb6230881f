"""Hostile deliveries against the running stack over loopback: the webhook never fails, never
takes a bad signature, and still answers the next real message.

SIXPOTIFY_FUZZ_SIGNED and SIXPOTIFY_FUZZ_BADLY_SIGNED set how many bodies are posted (a
longer chaos run raises them); SIXPOTIFY_FUZZ_SEED picks other bodies.
"""

from __future__ import annotations

import json
import os
from collections import Counter

import requests

from local.chat import ChatClient, messenger_event, sign
from local.hostile_bodies import FUZZ_USER, PAGE_ID, badly_signed, hostile_bodies
from local.stack import LocalStack
from tests.stack_probes import execution_count, item_count, queue_depth

SIGNED = int(os.environ.get("SIXPOTIFY_FUZZ_SIGNED", "300"))
BADLY_SIGNED = int(os.environ.get("SIXPOTIFY_FUZZ_BADLY_SIGNED", "60"))
SEED = int(os.environ.get("SIXPOTIFY_FUZZ_SEED", "0"))


def _post(session: requests.Session, url: str, body: bytes, signature: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return session.post(url, data=body, headers=headers, timeout=30).status_code


def test_hostile_deliveries_get_no_5xx_and_leave_the_bot_answering(
    clean_stack: LocalStack, messenger_user: ChatClient
) -> None:
    url = clean_stack.endpoints.webhook_url
    secret = clean_stack.endpoints.app_secret
    executions_before = execution_count(clean_stack)
    session = requests.Session()
    bodies = list(hostile_bodies(SIGNED, seed=SEED))
    real_message = json.dumps(messenger_event(PAGE_ID, FUZZ_USER, "Drake")).encode()
    # When hostile bodies are posted correctly signed, and a real message and hostile
    # bodies badly signed
    signed = Counter(_post(session, url, body, sign(body, secret)) for body in bodies)
    refused = Counter(
        _post(session, url, body, signature)
        for body, signature in badly_signed([real_message, *bodies], secret, BADLY_SIGNED, SEED)
    )
    # Then every signed delivery is acknowledged and every badly signed one refused
    assert signed == {200: SIGNED}
    assert refused == {403: BADLY_SIGNED}
    # And none of them was answered, queued or remembered
    assert clean_stack.graph.sent() == []
    assert queue_depth(clean_stack) == 0
    assert execution_count(clean_stack) == executions_before
    assert item_count(clean_stack, clean_stack.resources.messages_table) == 0
    # When a real message follows
    body = json.dumps(
        messenger_event(clean_stack.endpoints.page_id, messenger_user.user_id, "Zzyzx Quartet")
    ).encode()
    assert _post(session, url, body, sign(body, secret)) == 200
    # Then it is answered, once
    [reply] = messenger_user.replies(at_least=1)
    assert "couldn't find" in reply["body"]["message"]["text"]
    assert messenger_user.replies(at_least=1, timeout_seconds=1) == []
