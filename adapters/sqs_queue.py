"""The artist-requests queue that feeds the ingest workflow."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from domain.models import ArtistRequest, LookupRequest

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


class SqsWorkQueue:
    def __init__(self, client: SQSClient, queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def enqueue(
        self, artist_id: str, requested_at: datetime, message_id: str | None = None
    ) -> None:
        request = ArtistRequest(
            artist_id=artist_id, requested_at=requested_at, message_id=message_id
        )
        self._client.send_message(QueueUrl=self._queue_url, MessageBody=request.model_dump_json())

    def enqueue_lookup(self, lookup: LookupRequest, delay_seconds: int = 0) -> None:
        self._client.send_message(
            QueueUrl=self._queue_url,
            MessageBody=lookup.model_dump_json(),
            DelaySeconds=delay_seconds,
        )
