"""What an operator does to a running local stack: start a refresh, replay an execution,
read and redrive the artist-requests dead-letter queue, read and replay converse failures.

Each operation talks to the stack through the addresses `sixpotify local up` publishes in
.sixpotify/local.json, with the same AWS API calls one would make against AWS.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3

from domain.models import QUEUED_REQUEST, ArtistRequest, QueuedRequest
from local.aws import LOCAL_CREDENTIALS, REGION
from local.executions import ExecutionEnd, ExecutionRunner
from local.published import PublishedStack

_RECEIVE_BATCH = 10
# How long listed messages stay hidden before they are made visible again.
_LISTING_VISIBILITY_SECONDS = 30
# How often an operator's command looks at the execution it follows.
_POLL_SECONDS = 0.5


@dataclass(frozen=True)
class StackAddresses:
    aws_endpoint_url: str
    ingest_state_machine_arn: str
    requests_queue_url: str
    dead_letter_queue_url: str

    @classmethod
    def published(cls, stack: PublishedStack) -> StackAddresses:
        return cls(
            aws_endpoint_url=stack.aws_endpoint_url,
            ingest_state_machine_arn=stack.ingest_state_machine_arn,
            requests_queue_url=stack.requests_queue_url,
            dead_letter_queue_url=stack.dead_letter_queue_url,
        )

    def client(self, service: str) -> Any:
        return boto3.client(
            service,  # type: ignore[call-overload]  # one factory for several services
            region_name=REGION,
            endpoint_url=self.aws_endpoint_url,
            # Explicit, to keep an operator's own AWS profile out of calls to moto.
            **{name.lower(): value for name, value in LOCAL_CREDENTIALS.items()},
        )


@dataclass(frozen=True)
class DeadLetter:
    """A queued request that could not be handled: an artist request the workflow failed
    to ingest (error and cause say why), or any request, a lookup too, that the queue moved
    after too many receives (with neither)."""

    message_id: str
    request: QueuedRequest
    error: str | None
    cause: str | None

    @property
    def subject(self) -> str:
        """The artist ID, or the name a lookup searches for."""
        if isinstance(self.request, ArtistRequest):
            return self.request.artist_id
        return f"lookup {self.request.query!r} ({self.request.wants})"

    @property
    def requested_at(self) -> datetime:
        return self.request.requested_at


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Operations:
    def __init__(
        self,
        stepfunctions: Any,
        sqs: Any,
        addresses: StackAddresses,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._stepfunctions = stepfunctions
        self._sqs = sqs
        self._addresses = addresses
        self._clock = clock
        self._executions = ExecutionRunner(
            stepfunctions, addresses.ingest_state_machine_arn, poll_seconds=_POLL_SECONDS
        )

    @classmethod
    def connect(cls, addresses: StackAddresses) -> Operations:
        return cls(addresses.client("stepfunctions"), addresses.client("sqs"), addresses)

    def start_refresh(self, as_of: datetime | None = None) -> str:
        """Start the ingest workflow over every known artist, as the daily schedule does;
        returns the execution ARN."""
        moment = (as_of or self._clock()).astimezone(UTC).replace(microsecond=0)
        refresh_input = {"refresh": {"as_of": moment.strftime("%Y-%m-%dT%H:%M:%SZ")}}
        return self._start(f"refresh-{moment:%Y%m%dT%H%M%SZ}", refresh_input)

    def start_rebuild(self, shard_size: int | None = None) -> str:
        """Start a similarity rebuild alone, as an operator does from the console; returns
        the execution ARN."""
        options = {} if shard_size is None else {"shard_size": shard_size}
        return self._start("rebuild", {"rebuild": options})

    def follow(self, execution_arn: str, at_every_look: Callable[[], None]) -> ExecutionEnd:
        """Wait for the execution to end, however long it runs, calling at_every_look after
        each look at it."""
        return self._executions.wait(execution_arn, None, at_every_look)

    def replay(self, source: str) -> str:
        """Start a new execution with the input of an earlier one, given its ARN, or with
        the JSON input in a file; returns the new execution's ARN."""
        if source.startswith("arn:"):
            execution = self._stepfunctions.describe_execution(executionArn=source)
            replayed = json.loads(execution["input"])
        else:
            replayed = json.loads(Path(source).read_text(encoding="utf-8"))
        return self._start("replay", replayed)

    def dead_letters(self) -> list[DeadLetter]:
        """Every message of the dead-letter queue, left on it."""
        messages = _receive_all(self._sqs, self._addresses.dead_letter_queue_url)
        for message in messages:
            self._sqs.change_message_visibility(
                QueueUrl=self._addresses.dead_letter_queue_url,
                ReceiptHandle=message["ReceiptHandle"],
                VisibilityTimeout=0,
            )
        return [_dead_letter(message) for message in messages]

    def redrive(
        self, on_progress: Callable[[int, int], None] = lambda _done, _total: None
    ) -> list[DeadLetter]:
        """Move every dead letter back to the requests queue as the request it was, without
        the error, so the pipe handles it again; returns what was moved. on_progress hears
        how many are moved out of how many after each one."""
        moved = []
        messages = _receive_all(self._sqs, self._addresses.dead_letter_queue_url)
        for message in messages:
            letter = _dead_letter(message)
            self._sqs.send_message(
                QueueUrl=self._addresses.requests_queue_url,
                MessageBody=letter.request.model_dump_json(),
            )
            self._sqs.delete_message(
                QueueUrl=self._addresses.dead_letter_queue_url,
                ReceiptHandle=message["ReceiptHandle"],
            )
            moved.append(letter)
            on_progress(len(moved), len(messages))
        return moved

    def _start(self, prefix: str, execution_input: Any) -> str:
        # Execution names are unique per state machine; the suffix keeps a second run apart.
        name = f"{prefix}-{self._clock():%Y%m%dT%H%M%S}-{secrets.token_hex(4)}"
        return self._executions.start(name, execution_input)


def _receive_all(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    received: dict[str, dict[str, Any]] = {}
    while messages := sqs.receive_message(
        QueueUrl=queue_url,
        MaxNumberOfMessages=_RECEIVE_BATCH,
        VisibilityTimeout=_LISTING_VISIBILITY_SECONDS,
        MessageAttributeNames=["All"],
    ).get("Messages"):
        received.update((message["MessageId"], message) for message in messages)
    return list(received.values())


@dataclass(frozen=True)
class ConverseFailure:
    """A converse invocation set aside on the converse-failures queue: why (Lambda's
    condition, and the last try's error), and the event the webhook sent."""

    message_id: str
    failed_at: str
    condition: str
    error_type: str
    error_message: str
    function_arn: str
    request_payload: dict[str, Any]


@dataclass(frozen=True)
class ReplayOutcome:
    replayed: list[ConverseFailure]
    # Each record still on the queue, with the errorType and message of its replay.
    failed: list[tuple[ConverseFailure, str]]


class ConverseFailures:
    """The converse-failures queue, read and replayed as docs/deploy.md ("Replaying converse
    failures") does on AWS."""

    def __init__(self, sqs: Any, lambda_client: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._lambda = lambda_client
        self._queue_url = queue_url

    @classmethod
    def connect(cls, addresses: StackAddresses, queue_url: str) -> ConverseFailures:
        return cls(addresses.client("sqs"), addresses.client("lambda"), queue_url)

    def records(self) -> list[ConverseFailure]:
        """Every record on the queue, left on it."""
        messages = _receive_all(self._sqs, self._queue_url)
        for message in messages:
            self._make_visible(message)
        return [_converse_failure(message) for message in messages]

    def replay(self) -> ReplayOutcome:
        """Invoke converse again, synchronously, with each record's event; a record leaves the
        queue once its invocation succeeded, and stays there otherwise."""
        replayed, failed = [], []
        for message in _receive_all(self._sqs, self._queue_url):
            failure = _converse_failure(message)
            response = self._lambda.invoke(
                FunctionName=_unqualified(failure.function_arn),
                InvocationType="RequestResponse",
                Payload=json.dumps(failure.request_payload),
            )
            if "FunctionError" in response:
                error = json.loads(response["Payload"].read() or b"{}")
                failed.append((failure, f"{error.get('errorType')}: {error.get('errorMessage')}"))
                self._make_visible(message)
                continue
            self._sqs.delete_message(
                QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"]
            )
            replayed.append(failure)
        return ReplayOutcome(replayed, failed)

    def _make_visible(self, message: dict[str, Any]) -> None:
        self._sqs.change_message_visibility(
            QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
        )


def _unqualified(function_arn: str) -> str:
    """The record names the version that ran (`...:function:name:$LATEST`); a replay invokes
    the function as the webhook does, unqualified."""
    return ":".join(function_arn.split(":")[:7])


def _converse_failure(message: dict[str, Any]) -> ConverseFailure:
    record = json.loads(message["Body"])
    context = record["requestContext"]
    # An EventAgeExceeded record has no response: the event never ran.
    response = record.get("responsePayload") or {}
    return ConverseFailure(
        message_id=message["MessageId"],
        failed_at=record["timestamp"],
        condition=context["condition"],
        error_type=response.get("errorType", ""),
        error_message=response.get("errorMessage", ""),
        function_arn=context["functionArn"],
        request_payload=record["requestPayload"],
    )


def _dead_letter(message: dict[str, Any]) -> DeadLetter:
    body = json.loads(message["Body"])
    return DeadLetter(
        message_id=message["MessageId"],
        request=QUEUED_REQUEST.validate_python(body),
        error=body.get("error"),
        cause=body.get("cause"),
    )
