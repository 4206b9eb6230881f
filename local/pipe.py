"""The EventBridge Pipe of the local stack: artist-requests queue -> ingest executions.

Like the real pipe (FIRE_AND_FORGET, batched), it gathers up to a batch of messages within
a short window, starts one execution with the records as its input, and deletes the
messages once the execution has started. A message whose execution could not start stays
on the queue, and SQS's redrive policy moves it to the DLQ after repeated failures.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from typing import Any

from botocore.exceptions import ClientError

_log = logging.getLogger(__name__)
BATCH_SIZE = 10
BATCHING_WINDOW_SECONDS = 0.3


class LocalPipe:
    def __init__(
        self, sqs: Any, stepfunctions: Any, queue_url: str, queue_arn: str, state_machine_arn: str
    ) -> None:
        self._sqs = sqs
        self._stepfunctions = stepfunctions
        self._queue_url = queue_url
        self._queue_arn = queue_arn
        self._state_machine_arn = state_machine_arn
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="local-pipe", daemon=True)
        self.started_executions: list[str] = []

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.poll_once()
            except Exception:  # the pipe keeps running, as the managed one does
                _log.exception("local pipe poll failed")
                self._stopping.wait(1)

    def poll_once(self, wait_seconds: int = 1) -> str | None:
        """Move at most one batch; returns the execution ARN it started, if any."""
        records = self._receive(wait_seconds)
        if not records:
            return None
        name = (
            "pipe-"
            + hashlib.sha256("".join(r["messageId"] for r in records).encode()).hexdigest()[:40]
        )
        try:
            execution_arn: str = self._stepfunctions.start_execution(
                stateMachineArn=self._state_machine_arn, name=name, input=json.dumps(records)
            )["executionArn"]
        except ClientError as error:
            # A redelivered batch whose execution already started must not start twice.
            if error.response["Error"]["Code"] != "ExecutionAlreadyExists":
                raise
            execution_arn = f"{self._state_machine_arn}:{name}".replace(
                ":stateMachine:", ":execution:"
            )
        self._sqs.delete_message_batch(
            QueueUrl=self._queue_url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": r["receiptHandle"]} for i, r in enumerate(records)
            ],
        )
        self.started_executions.append(execution_arn)
        return execution_arn

    def _receive(self, wait_seconds: int) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        deadline: float | None = None
        while len(records) < BATCH_SIZE:
            wait = wait_seconds if deadline is None else 0
            messages = self._sqs.receive_message(
                QueueUrl=self._queue_url,
                MaxNumberOfMessages=BATCH_SIZE - len(records),
                WaitTimeSeconds=wait,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            records.extend(self._record(m) for m in messages)
            if not records:
                return []
            if deadline is None:
                deadline = time.monotonic() + BATCHING_WINDOW_SECONDS
            if time.monotonic() >= deadline:
                break
            if not messages:
                self._stopping.wait(0.05)
        return records

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        """The shape EventBridge Pipes gives a Step Functions target for an SQS source."""
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": message.get("MessageAttributes", {}),
            "md5OfBody": message["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": self._queue_arn,
            "awsRegion": self._queue_arn.split(":")[3],
        }
