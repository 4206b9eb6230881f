"""Each user's last answer, remembered in DynamoDB for "more like that" to follow."""

from datetime import UTC, datetime, timedelta

from adapters.dynamodb import LAST_ANSWER_TTL, DynamoConversationMemory
from domain.models import LastAnswer
from local.stack import LocalStack

ANSWERED_AT = datetime(2026, 11, 30, 21, 15, 30, 123456, tzinfo=UTC)


def _memory(stack: LocalStack) -> DynamoConversationMemory:
    return DynamoConversationMemory(
        stack.aws.client("dynamodb"), stack.resources.last_answers_table
    )


def test_a_remembered_answer_is_recalled_as_it_was(clean_stack: LocalStack) -> None:
    # Given a user's answer remembered
    answer = LastAnswer(artist_id="aespa-id", wants="songs", page=3, answered_at=ANSWERED_AT)
    _memory(clean_stack).remember("2400000000000901", answer)
    # When another instance of the adapter, as after a restart, recalls it
    recalled = _memory(clean_stack).recall("2400000000000901")
    # Then it is the same answer, to the microsecond
    assert recalled == answer


def test_each_answer_replaces_the_last_and_each_user_has_their_own(
    clean_stack: LocalStack,
) -> None:
    # Given two answers to one user and one to another
    memory = _memory(clean_stack)
    first = LastAnswer(artist_id="first", wants="artists", answered_at=ANSWERED_AT)
    later = LastAnswer(
        artist_id="later", wants="artists", page=2, answered_at=ANSWERED_AT + timedelta(1)
    )
    memory.remember("2400000000000902", first)
    memory.remember("2400000000000902", later)
    memory.remember("2400000000000903", first)
    # When each is recalled / Then the first user's is the later answer, the second's theirs
    assert memory.recall("2400000000000902") == later
    assert memory.recall("2400000000000903") == first
    assert memory.recall("2400000000000904") is None


def test_an_answer_expires_through_the_tables_time_to_live(clean_stack: LocalStack) -> None:
    # Given an answer remembered
    _memory(clean_stack).remember(
        "2400000000000905", LastAnswer(artist_id="a", wants="artists", answered_at=ANSWERED_AT)
    )
    # When the item is read as DynamoDB holds it
    item = clean_stack.aws.client("dynamodb").get_item(
        TableName=clean_stack.resources.last_answers_table,
        Key={"user_id": {"S": "2400000000000905"}},
    )["Item"]
    # Then it carries the epoch second DynamoDB deletes it after
    assert int(item["expires_at"]["N"]) == int((ANSWERED_AT + LAST_ANSWER_TTL).timestamp())
