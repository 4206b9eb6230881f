"""The inbox as an asynchronous Lambda invocation of the converse function."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Final

from pydantic import TypeAdapter

from domain.models import IncomingEvent

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

_EVENT: TypeAdapter[IncomingEvent] = TypeAdapter(IncomingEvent)
# Lambda refuses an asynchronous invocation whose payload is larger.
ASYNC_PAYLOAD_LIMIT_BYTES: Final = 256 * 1024
_OPENING, _CLOSING = b'{"events":[', b"]}"


class LambdaInbox:
    """Lambda queues an Event invocation and answers at once; it retries a failed
    invocation twice on its own, and message IDs keep a retry from answering twice. What
    still fails is set aside on the converse-failures queue (stacks/chat_stack.py)."""

    def __init__(self, client: LambdaClient, function_name: str) -> None:
        self._client = client
        self._function_name = function_name

    def hand_off(self, events: Sequence[IncomingEvent]) -> None:
        """One invocation for the delivery's events, or several in their order when together
        they are larger than Lambda takes at once; a single event always fits (the webhook
        bounds every field it keeps)."""
        for payload in _payloads(events):
            self._client.invoke(
                FunctionName=self._function_name, InvocationType="Event", Payload=payload
            )


def _payloads(events: Sequence[IncomingEvent]) -> Iterator[bytes]:
    batch: list[bytes] = []
    size = len(_OPENING) + len(_CLOSING)
    for event in events:
        encoded = _EVENT.dump_json(event)
        if batch and size + len(encoded) + 1 > ASYNC_PAYLOAD_LIMIT_BYTES:
            yield _OPENING + b",".join(batch) + _CLOSING
            batch, size = [], len(_OPENING) + len(_CLOSING)
        batch.append(encoded)
        size += len(encoded) + 1
    if batch:
        yield _OPENING + b",".join(batch) + _CLOSING
