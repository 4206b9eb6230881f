"""The shape of each DynamoDB table and SQS queue: its keys, what expires, how often a message
is tried. The CDK stacks deploy these specifications and the local stack creates its resources
from them, so the two cannot drift apart; the adapters read and write the same key names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Final


class KeyAttribute:
    """The tables' key and time-to-live attributes, every one a DynamoDB string but the TTL."""

    ARTIST_ID: Final = "artist_id"
    USER_ID: Final = "user_id"
    MESSAGE_ID: Final = "message_id"
    # Seconds since the epoch, a number: DynamoDB deletes the item some time after it.
    EXPIRES_AT: Final = "expires_at"


@dataclass(frozen=True)
class TableSpec:
    """A table keyed by strings, billed per request; items expire by `time_to_live_attribute`
    when it is set."""

    partition_key: str
    sort_key: str | None = None
    time_to_live_attribute: str | None = None

    @property
    def key_attributes(self) -> tuple[str, ...]:
        """The partition key, then the sort key if there is one."""
        return (
            (self.partition_key,) if self.sort_key is None else (self.partition_key, self.sort_key)
        )


class Tables:
    GENRES: Final = TableSpec(KeyAttribute.ARTIST_ID)
    # One item per (artist, user): asking twice before the answer arrives waits once.
    WAITERS: Final = TableSpec(
        KeyAttribute.ARTIST_ID, KeyAttribute.USER_ID, KeyAttribute.EXPIRES_AT
    )
    PROCESSED_MESSAGES: Final = TableSpec(
        KeyAttribute.MESSAGE_ID, time_to_live_attribute=KeyAttribute.EXPIRES_AT
    )
    LAST_ANSWERS: Final = TableSpec(
        KeyAttribute.USER_ID, time_to_live_attribute=KeyAttribute.EXPIRES_AT
    )


# SQS's own defaults, written out so that both sides set them rather than assume them.
_DEFAULT_VISIBILITY = timedelta(seconds=30)
_DEFAULT_RETENTION = timedelta(days=4)


@dataclass(frozen=True, kw_only=True)
class QueueSpec:
    visibility_timeout: timedelta = _DEFAULT_VISIBILITY
    retention: timedelta = _DEFAULT_RETENTION


@dataclass(frozen=True, kw_only=True)
class RedrivenQueueSpec(QueueSpec):
    """A queue with a dead-letter queue: a message received `max_receive_count` times without
    being deleted moves there."""

    max_receive_count: int


class Queues:
    ARTIST_REQUESTS: Final = RedrivenQueueSpec(max_receive_count=5)
    # SQS's longest: a dead letter outlives a holiday, and whoever reads it has time to replay it.
    DEAD_LETTERS: Final = QueueSpec(retention=timedelta(days=14))
