"""DynamoDB: genres by artist, users waiting for an artist, and Messenger message IDs seen."""

from __future__ import annotations

import uuid
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
                    "message_id": {"S": message_id},
                    "claim": {"S": claim},
                    "expires_at": {"N": str(expires_at)},
                },
                ConditionExpression="attribute_not_exists(message_id)",
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
        self._client.delete_item(TableName=self._table, Key={"message_id": {"S": message_id}})
