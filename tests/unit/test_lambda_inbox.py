import json
from dataclasses import dataclass, field
from typing import Any

from adapters.lambda_inbox import ASYNC_PAYLOAD_LIMIT_BYTES, LambdaInbox
from domain.models import IncomingEvent, IncomingText
from domain.webhook import MAX_TEXT_CHARS


@dataclass
class RecordingLambda:
    """The Lambda client's invoke, recording each call."""

    invocations: list[dict[str, Any]] = field(default_factory=list)

    def invoke(self, **call: Any) -> dict[str, Any]:
        self.invocations.append(call)
        return {"StatusCode": 202}


def _texts(count: int, chars: int) -> list[IncomingEvent]:
    return [
        IncomingText(user_id=str(1000 + n), message_id=f"m_{n}", text="가" * chars)
        for n in range(count)
    ]


def _handed_off(events: list[IncomingEvent]) -> tuple[list[bytes], list[str]]:
    client = RecordingLambda()
    LambdaInbox(client, "converse").hand_off(events)  # type: ignore[arg-type]  # a fake
    payloads = [call["Payload"] for call in client.invocations]
    assert {call["InvocationType"] for call in client.invocations} == {"Event"}
    message_ids = [e["message_id"] for p in payloads for e in json.loads(p)["events"]]
    return payloads, message_ids


def test_a_small_delivery_is_handed_on_in_one_invocation() -> None:
    # Given three short texts / When they are handed off
    payloads, message_ids = _handed_off(_texts(3, 10))
    # Then one asynchronous invocation carries them all, in order
    assert len(payloads) == 1
    assert message_ids == ["m_0", "m_1", "m_2"]


def test_a_delivery_larger_than_lambda_takes_at_once_is_split_in_order() -> None:
    # Given forty texts of Messenger's longest, in Korean (three bytes a character): about
    # 2.4 MB together
    events = _texts(40, MAX_TEXT_CHARS)
    # When they are handed off
    payloads, message_ids = _handed_off(events)
    # Then every invocation stays within Lambda's asynchronous limit, and every event is
    # handed on once, in order
    assert len(payloads) > 1
    assert max(len(payload) for payload in payloads) <= ASYNC_PAYLOAD_LIMIT_BYTES
    assert message_ids == [f"m_{n}" for n in range(40)]
