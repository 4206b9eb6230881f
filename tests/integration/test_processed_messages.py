"""Which Messenger deliveries are first ones, remembered in DynamoDB."""

from datetime import UTC, datetime
from typing import Any

from adapters.dynamodb import DynamoProcessedMessages
from local.stack import LocalStack


class _FirstAnswerLost:
    """DynamoDB, with the answer to the first put lost on the way back, after the write; the
    SDK then sends the same request again, as it does after a dropped connection."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._lost = False

    def put_item(self, **request: Any) -> Any:
        if not self._lost:
            self._lost = True
            self._client.put_item(**request)
        return self._client.put_item(**request)


def _processed(stack: LocalStack, client: Any = None) -> DynamoProcessedMessages:
    return DynamoProcessedMessages(
        client or stack.aws.client("dynamodb"),
        stack.resources.messages_table,
        clock=lambda: datetime(2026, 11, 30, tzinfo=UTC),
    )


def test_a_message_id_is_a_first_delivery_once(clean_stack: LocalStack) -> None:
    # Given a message ID seen once
    processed = _processed(clean_stack)
    assert processed.first_delivery("m_once")
    # When it is delivered again / Then it is a redelivery
    assert not processed.first_delivery("m_once")


def test_a_forgotten_message_id_is_a_first_delivery_again(clean_stack: LocalStack) -> None:
    # Given a message ID seen once, whose answer failed
    processed = _processed(clean_stack)
    assert processed.first_delivery("m_failed")
    # When it is forgotten
    processed.forget("m_failed")
    # Then its retry is a first delivery, and only that one
    assert processed.first_delivery("m_failed")
    assert not processed.first_delivery("m_failed")


def test_a_claim_sent_again_after_its_answer_was_lost_is_still_the_first_delivery(
    clean_stack: LocalStack,
) -> None:
    # Given DynamoDB whose answer to the first claim is lost after the write
    processed = _processed(clean_stack, _FirstAnswerLost(clean_stack.aws.client("dynamodb")))
    # When a message is claimed, the SDK sending the claim again
    first = processed.first_delivery("m_lost_answer")
    # Then it is the first delivery, and a real redelivery afterwards is not
    assert first
    assert not _processed(clean_stack).first_delivery("m_lost_answer")
