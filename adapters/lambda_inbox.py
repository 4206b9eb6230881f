"""The inbox as an asynchronous Lambda invocation of the converse function."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pydantic import TypeAdapter

from domain.models import IncomingEvent

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

_EVENTS = TypeAdapter(list[IncomingEvent])


class LambdaInbox:
    """Lambda queues an Event invocation and answers at once; it retries a failed
    invocation twice on its own, and message IDs keep a retry from answering twice. What
    still fails is set aside on the converse-failures queue (stacks/chat_stack.py)."""

    def __init__(self, client: LambdaClient, function_name: str) -> None:
        self._client = client
        self._function_name = function_name

    def hand_off(self, events: Sequence[IncomingEvent]) -> None:
        self._client.invoke(
            FunctionName=self._function_name,
            InvocationType="Event",
            Payload=b'{"events":' + _EVENTS.dump_json(list(events)) + b"}",
        )
