"""DynamoDB: genres by artist, users waiting for an artist, and Messenger message IDs seen."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from domain.models import Waiter

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

WAITER_TTL = timedelta(days=2)
PROCESSED_MESSAGE_TTL = timedelta(days=7)


class DynamoGenreStore:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def put_genres(self, artist_id: str, genres: Sequence[str]) -> None:
        self._client.put_item(
            TableName=self._table,
            Item={"artist_id": {"S": artist_id}, "genres": {"L": [{"S": g} for g in genres]}},
        )


class DynamoWaiterStore:
    """One item per (artist, user): asking twice before the answer arrives waits once."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def add(self, waiter: Waiter) -> None:
        expires_at = int((waiter.requested_at + WAITER_TTL).timestamp())
        self._client.put_item(
            TableName=self._table,
            Item={
                "artist_id": {"S": waiter.artist_id},
                "user_id": {"S": waiter.user_id},
                "query": {"S": waiter.query},
                "requested_at": {"S": _sortable(waiter.requested_at)},
                "wants": {"S": waiter.wants},
                "language": {"S": waiter.language},
                "expires_at": {"N": str(expires_at)},
            },
        )

    def waiting_for(self, artist_id: str) -> list[Waiter]:
        waiters: list[Waiter] = []
        paginator = self._client.get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="artist_id = :artist",
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
            Key={"artist_id": {"S": waiter.artist_id}, "user_id": {"S": waiter.user_id}},
        )


def _sortable(moment: datetime) -> str:
    """The moment as a string that sorts as the moments do: UTC, every field at full width."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _waiter(item: Mapping[str, Any]) -> Waiter:
    return Waiter.model_validate({name: _plain(value) for name, value in item.items()})


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
        expires_at = int((self._clock() + PROCESSED_MESSAGE_TTL).timestamp())
        try:
            self._client.put_item(
                TableName=self._table,
                Item={
                    "message_id": {"S": message_id},
                    "expires_at": {"N": str(expires_at)},
                },
                ConditionExpression="attribute_not_exists(message_id)",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def forget(self, message_id: str) -> None:
        self._client.delete_item(TableName=self._table, Key={"message_id": {"S": message_id}})
