"""DynamoDB: genres by artist, users waiting for an artist, Messenger message IDs seen, and
each user's last answer."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from contracts.resources import KeyAttribute
from domain.models import LastAnswer, Waiter

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

WAITER_TTL = timedelta(days=2)
PROCESSED_MESSAGE_TTL = timedelta(days=7)
# Longer than the domain follows a last answer (a day): the TTL only clears what is no longer
# followed, which DynamoDB does within a day or two of the time, never before it.
LAST_ANSWER_TTL = timedelta(days=2)


class DynamoGenreStore:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def put_genres(self, artist_id: str, genres: Sequence[str]) -> None:
        self._client.put_item(
            TableName=self._table,
            Item={
                KeyAttribute.ARTIST_ID: {"S": artist_id},
                "genres": {"L": [{"S": g} for g in genres]},
            },
        )


class DynamoWaiterStore:
    """One item per (artist, user): asking twice before the answer arrives waits once."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def add(self, waiter: Waiter) -> None:
        expires_at = int((waiter.requested_at + WAITER_TTL).timestamp())
        item: dict[str, AttributeValueTypeDef] = {
            KeyAttribute.ARTIST_ID: {"S": waiter.artist_id},
            KeyAttribute.USER_ID: {"S": waiter.user_id},
            "query": {"S": waiter.query},
            "requested_at": {"S": _sortable(waiter.requested_at)},
            "wants": {"S": waiter.wants},
            "language": {"S": waiter.language},
            KeyAttribute.EXPIRES_AT: {"N": str(expires_at)},
        }
        if waiter.message_id is not None:
            item["message_id"] = {"S": waiter.message_id}
        self._client.put_item(TableName=self._table, Item=item)

    def waiting_for(self, artist_id: str) -> list[Waiter]:
        waiters: list[Waiter] = []
        paginator = self._client.get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            KeyConditionExpression=f"{KeyAttribute.ARTIST_ID} = :artist",
            ExpressionAttributeValues={":artist": {"S": artist_id}},
            ConsistentRead=True,
        ):
            waiters.extend(_waiter(item) for item in page["Items"])
        return waiters

    def asked_before(self, moment: datetime) -> list[Waiter]:
        # Only the waiters still pending are in the table, so a scan reads little.
        waiters: list[Waiter] = []
        paginator = self._client.get_paginator("scan")
        for page in paginator.paginate(
            TableName=self._table,
            FilterExpression="requested_at < :moment",
            ExpressionAttributeValues={":moment": {"S": _sortable(moment)}},
            ConsistentRead=True,
        ):
            waiters.extend(_waiter(item) for item in page["Items"])
        return waiters

    def remove(self, waiter: Waiter) -> None:
        self._client.delete_item(
            TableName=self._table,
            Key={
                KeyAttribute.ARTIST_ID: {"S": waiter.artist_id},
                KeyAttribute.USER_ID: {"S": waiter.user_id},
            },
        )


class DynamoConversationMemory:
    """One item per user, replaced by each answer."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def recall(self, user_id: str) -> LastAnswer | None:
        item = self._client.get_item(
            TableName=self._table,
            Key={KeyAttribute.USER_ID: {"S": user_id}},
            ConsistentRead=True,
        ).get("Item")
        return None if item is None else LastAnswer.model_validate(_plain_item(item))

    def remember(self, user_id: str, answer: LastAnswer) -> None:
        expires_at = int((answer.answered_at + LAST_ANSWER_TTL).timestamp())
        self._client.put_item(
            TableName=self._table,
            Item={
                KeyAttribute.USER_ID: {"S": user_id},
                "artist_id": {"S": answer.artist_id},
                "wants": {"S": answer.wants},
                "page": {"N": str(answer.page)},
                "answered_at": {"S": _sortable(answer.answered_at)},
                KeyAttribute.EXPIRES_AT: {"N": str(expires_at)},
            },
        )


def _sortable(moment: datetime) -> str:
    """The moment as a string that sorts as the moments do: UTC, every field at full width."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _waiter(item: Mapping[str, Any]) -> Waiter:
    return Waiter.model_validate(_plain_item(item))


def _plain_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """An item's attributes as plain values; the models ignore those they do not hold."""
    return {name: _plain(value) for name, value in item.items()}


def _plain(value: Mapping[str, Any]) -> Any:
    """A DynamoDB attribute value as the plain value it holds (strings and numbers)."""
    [(kind, held)] = value.items()
    return int(held) if kind == "N" else held


class DynamoProcessedMessages:
    """Remembers message IDs for a week: Messenger redelivers for at most a few hours."""

    def __init__(
        self, client: DynamoDBClient, table_name: str, clock: Callable[[], datetime]
    ) -> None:
        self._client = client
        self._table = table_name
        self._clock = clock

    def first_delivery(self, message_id: str) -> bool:
        """Claims the message ID; False when another delivery claimed it first. A claim the
        SDK sends again, its first answer lost on the way back (a dropped connection, a
        restarted endpoint), finds its own claim: still the first delivery, not a redelivery
        that nobody would answer."""
        expires_at = int((self._clock() + PROCESSED_MESSAGE_TTL).timestamp())
        claim = uuid.uuid4().hex
        try:
            self._client.put_item(
                TableName=self._table,
                Item={
                    KeyAttribute.MESSAGE_ID: {"S": message_id},
                    "claim": {"S": claim},
                    KeyAttribute.EXPIRES_AT: {"N": str(expires_at)},
                },
                ConditionExpression=f"attribute_not_exists({KeyAttribute.MESSAGE_ID})",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                # The item as it stood, which DynamoDB returns on ALL_OLD.
                claimed: Mapping[str, Mapping[str, str]] = error.response.get("Item", {})  # type: ignore[assignment]
                return claimed.get("claim", {}).get("S") == claim
            raise
        return True

    def forget(self, message_id: str) -> None:
        self._client.delete_item(
            TableName=self._table, Key={KeyAttribute.MESSAGE_ID: {"S": message_id}}
        )
