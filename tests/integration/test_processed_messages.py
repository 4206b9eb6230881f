"""Which Messenger deliveries are first ones, remembered in DynamoDB."""

from datetime import UTC, datetime

from adapters.dynamodb import DynamoProcessedMessages
from local.stack import LocalStack


def _processed(stack: LocalStack) -> DynamoProcessedMessages:
    return DynamoProcessedMessages(
        stack.aws.client("dynamodb"),
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
