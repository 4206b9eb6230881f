"""A converse invocation that cannot be answered is set aside on the converse-failures queue,
as Lambda's on-failure destination does, and the operator's replay answers it; invocations a
stopping stack still holds are set aside too, never dropped."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from domain.models import Reply
from handlers import composition
from local import cli, lambda_dispatch
from local.aws import ACCOUNT, REGION
from local.stack import LocalStack
from tests.stack_probes import sixpotify
from tests.swapped_adapters import GatedMessenger, handlers_using

# "?" holds no name: converse answers it with one message and needs nothing but the Send API.
NAMELESS = "?"


class SendApiDownError(Exception):
    pass


class DownMessenger:
    def send(self, user_id: str, reply: Reply) -> None:
        raise SendApiDownError("the Send API is down")

    def show_typing(self, user_id: str) -> None:
        raise SendApiDownError("the Send API is down")


def _failure_records(stack: LocalStack, count: int, timeout_seconds: float = 15) -> list[Any]:
    """The bodies on the converse-failures queue once there are `count`, left on it."""
    sqs = stack.aws.client("sqs")
    queue_url = stack.resources.converse_failures_queue_url
    deadline = time.monotonic() + timeout_seconds
    while True:
        depth = int(
            sqs.get_queue_attributes(
                QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"]
            )["Attributes"]["ApproximateNumberOfMessages"]
        )
        if depth >= count or time.monotonic() >= deadline:
            break
        time.sleep(0.05)
    messages = sqs.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0
    ).get("Messages", [])
    return [json.loads(message["Body"]) for message in messages]


def _answers_by_user(stack: LocalStack) -> dict[str, int]:
    answers: dict[str, int] = {}
    for sent in stack.graph.sent():
        if "message" in sent["body"]:
            user_id = sent["body"]["recipient"]["id"]
            answers[user_id] = answers.get(user_id, 0) + 1
    return answers


def _status(stack: LocalStack) -> dict[str, int]:
    url = stack.endpoints.webhook_url.removesuffix("/webhook") + lambda_dispatch.STATUS_PATH
    response = requests.get(url, timeout=10)
    response.raise_for_status()
    status: dict[str, int] = response.json()
    return status


def test_a_message_failing_every_try_is_set_aside_and_a_replay_answers_it_once(
    clean_stack: LocalStack, state_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    user = clean_stack.messenger_user("2400000000000301")
    # Given the Send API refusing every send while a user writes
    with handlers_using(composition.Adapters(messenger=DownMessenger())):
        assert user.say(NAMELESS).status_code == 200
        records = _failure_records(clean_stack, 1)

    # Then the converse invocation, tried three times, is on the converse-failures queue in
    # the record Lambda's on-failure destination writes
    assert len(records) == 1
    record = records[0]
    assert set(record) == {
        "version",
        "timestamp",
        "requestContext",
        "requestPayload",
        "responseContext",
        "responsePayload",
    }
    assert record["version"] == "1.0"
    assert record["timestamp"].endswith("Z")
    context = record["requestContext"]
    assert set(context) == {"requestId", "functionArn", "condition", "approximateInvokeCount"}
    assert context["functionArn"] == (
        f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:"
        f"{clean_stack.resources.converse_function}:$LATEST"
    )
    assert context["condition"] == "RetriesExhausted"
    assert context["approximateInvokeCount"] == lambda_dispatch.ASYNCHRONOUS_ATTEMPTS
    [event] = record["requestPayload"]["events"]
    assert (event["kind"], event["user_id"], event["text"]) == ("text", user.user_id, NAMELESS)
    assert record["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    assert record["responsePayload"] == {
        "errorType": "SendApiDownError",
        "errorMessage": "the Send API is down",
    }
    assert user.replies(at_least=1, timeout_seconds=0.5) == []

    # And the operator's listing shows it and why, leaving it there
    listed = sixpotify(state_dir, capsys, "converse-failures", "list")
    assert "RetriesExhausted" in listed
    assert "SendApiDownError: the Send API is down" in listed
    assert "1 converse failure(s)" in listed

    # When the Send API is back and the operator replays the converse failures
    replayed = sixpotify(state_dir, capsys, "converse-failures", "replay")

    # Then the user gets exactly one answer, and the queue is empty
    assert "replayed 1, 0 still failing" in replayed
    assert len(user.replies(at_least=1)) == 1
    assert user.replies(at_least=1, timeout_seconds=1) == []
    assert _failure_records(clean_stack, 0, timeout_seconds=0) == []


def test_a_replay_that_fails_again_leaves_the_record_on_the_queue(
    clean_stack: LocalStack, state_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a converse failure, and a Send API still down
    user = clean_stack.messenger_user("2400000000000302")
    with handlers_using(composition.Adapters(messenger=DownMessenger())):
        assert user.say(NAMELESS).status_code == 200
        assert len(_failure_records(clean_stack, 1)) == 1

        # When the operator replays it
        exit_code = cli.main(["--state-dir", str(state_dir), "converse-failures", "replay"])

    # Then the command fails, saying why, and the record stays for a later replay
    assert exit_code == 1
    assert "replayed 0, 1 still failing" in capsys.readouterr().out
    assert len(_failure_records(clean_stack, 1, timeout_seconds=0)) == 1


def test_draining_runs_what_runs_and_sets_aside_what_waits_never_dropping_one(
    clean_stack: LocalStack, state_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given converse held at a gate, and more users writing than there are workers to answer
    gate = threading.Event()
    users = [clean_stack.messenger_user(f"24000000000004{n:02d}") for n in range(10)]
    waiting = len(users) - lambda_dispatch.ASYNCHRONOUS_WORKERS
    progress: list[lambda_dispatch.AsynchronousStatus] = []
    with handlers_using(
        composition.Adapters(messenger=GatedMessenger(composition.dependencies().messenger, gate))
    ):
        for user in users:
            assert user.say(NAMELESS).status_code == 200
        # Then the gateway's status shows the backlog, once the workers took what they can
        deadline = time.monotonic() + 5
        while _status(clean_stack)["async_running"] < lambda_dispatch.ASYNCHRONOUS_WORKERS:
            assert time.monotonic() < deadline, "the workers did not take the invocations"
            time.sleep(0.02)
        assert _status(clean_stack) == {
            "async_backlog": waiting,
            "async_running": lambda_dispatch.ASYNCHRONOUS_WORKERS,
        }

        # When the dispatch drains with the gate still shut, then the gate opens
        drained = lambda_dispatch.drain(0.3, progress.append)
        gate.set()
        records = _failure_records(clean_stack, waiting)

        # Then the running invocations answered, and the waiting ones are on the queue
        assert drained == lambda_dispatch.Drained(
            set_aside=waiting, still_running=lambda_dispatch.ASYNCHRONOUS_WORKERS
        )
        assert progress[0] == lambda_dispatch.AsynchronousStatus(waiting, len(users) - waiting)
        assert len(records) == waiting
        assert {record["requestContext"]["condition"] for record in records} == {
            "LocalStackStopped"
        }
        assert {record["responsePayload"]["errorType"] for record in records} == {
            "LocalStackStopped"
        }
        assert {record["requestContext"]["approximateInvokeCount"] for record in records} == {0}
        parked = {record["requestPayload"]["events"][0]["user_id"] for record in records}
        deadline = time.monotonic() + 10
        while len(_answers_by_user(clean_stack)) < len(users) - waiting:
            assert time.monotonic() < deadline, "the running invocations did not answer"
            time.sleep(0.05)
        assert parked.isdisjoint(_answers_by_user(clean_stack))

    # And a replay answers the rest: every user exactly once
    assert f"replayed {waiting}, 0 still failing" in sixpotify(
        state_dir, capsys, "converse-failures", "replay"
    )
    assert _answers_by_user(clean_stack) == {user.user_id: 1 for user in users}
    assert _status(clean_stack) == {"async_backlog": 0, "async_running": 0}
