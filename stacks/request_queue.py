"""The artist-requests queue and the dead-letter queue behind it."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from contracts.resources import Queues
from stacks.dead_letter_queue import dead_letter_queue

_SPEC = Queues.ARTIST_REQUESTS


class RequestQueue(Construct):
    """Encrypted, TLS-only; a message received `Queues.ARTIST_REQUESTS.max_receive_count` times
    without being deleted moves aside."""

    def __init__(
        self, scope: Construct, construct_id: str, *, queue_name: str, dead_letter_queue_name: str
    ) -> None:
        super().__init__(scope, construct_id)
        self.dead_letter_queue = dead_letter_queue(
            self, "DeadLetters", queue_name=dead_letter_queue_name
        )
        self.queue = sqs.Queue(
            self,
            "Queue",
            queue_name=queue_name,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            visibility_timeout=Duration.seconds(_SPEC.visibility_timeout.total_seconds()),
            retention_period=Duration.seconds(_SPEC.retention.total_seconds()),
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.dead_letter_queue, max_receive_count=_SPEC.max_receive_count
            ),
        )
