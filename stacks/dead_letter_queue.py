"""A queue where work that failed for good waits for the operator."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Duration, Validations
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from contracts.resources import Queues


def dead_letter_queue(
    scope: Construct, construct_id: str, *, queue_name: str, fed_by: str | None = None
) -> sqs.Queue:
    """Encrypted, TLS only, keeping messages as long as `Queues.DEAD_LETTERS` says; nothing
    consumes it but the operator.

    cdk-nag knows a queue for a dead-letter queue only when another queue's redrive policy names
    it. `fed_by` names the service that fills it otherwise, and answers that finding with it.
    """
    queue = sqs.Queue(
        scope,
        construct_id,
        queue_name=queue_name,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        visibility_timeout=Duration.seconds(Queues.DEAD_LETTERS.visibility_timeout.total_seconds()),
        retention_period=Duration.seconds(Queues.DEAD_LETTERS.retention.total_seconds()),
    )
    if fed_by is not None:
        Validations.of(queue.node.find_child("Resource")).acknowledge(
            Acknowledgment(
                id="AwsSolutions-SQS3",
                reason=f"This queue is itself a dead-letter queue, filled by {fed_by}; "
                "a queue of failures has no dead-letter queue of its own",
            )
        )
    return queue
