"""The local moto server keeps what moto would otherwise work out on every request."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

import boto3
import moto
import pytest
from botocore.config import Config
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError
from moto import backends
from moto.core import responses
from moto.dynamodb.responses import DynamoHandler
from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils

from local.aws import REGION
from local.stack import LocalStack


def test_moto_lists_its_services_once(
    local_stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given moto's package folder, listed before the disk is made unreadable
    folder = Path(moto.__file__).parent
    expected = sorted(
        entry.name
        for entry in folder.iterdir()
        if entry.is_dir() and not entry.name.startswith("__")
    )

    def unreadable(path: str) -> list[str]:
        raise AssertionError(f"listed {path} again")

    monkeypatch.setattr(os, "listdir", unreadable)
    # When the server matches a request to a service / Then the listing is the one it made
    assert list(backends.list_of_moto_modules()) == expected


def test_moto_inspects_a_response_class_once(local_stack: LocalStack) -> None:
    # When the methods of the class that answers DynamoDB are looked up twice
    first = responses.method_names_from_class(DynamoHandler)  # type: ignore[attr-defined]
    # Then the second look-up is the first one's answer, with the actions it answers
    assert responses.method_names_from_class(DynamoHandler) is first  # type: ignore[attr-defined]
    assert "put_item" in first


def test_the_step_functions_interpreter_calls_each_service_with_one_client(
    local_stack: LocalStack,
) -> None:
    # Given the function moto's interpreter gets a task's client from
    client_for = lambda_eval_utils.boto_client_for  # type: ignore[attr-defined]
    # When it asks for a Lambda client for two tasks
    first, second = (client_for(region=REGION, service="lambda") for _ in range(2))
    # Then both get the one client, its connections kept between tasks
    assert second is first
    assert first.meta.region_name == REGION


def test_a_restarted_endpoint_refuses_then_answers_on_its_port_with_every_resource(
    local_stack: LocalStack,
) -> None:
    # Given a queue holding a message, and a client that tries each call once
    sqs = boto3.client(
        "sqs",
        region_name=REGION,
        endpoint_url=local_stack.aws.endpoint_url,
        config=Config(retries={"total_max_attempts": 1}),
    )
    queue_url = sqs.create_queue(QueueName="restart-keeps-me")["QueueUrl"]
    sqs.send_message(QueueUrl=queue_url, MessageBody="kept")

    # When the endpoint restarts, and is called while it is away
    restarting = threading.Thread(target=local_stack.aws.restart, args=(1.0,))
    restarting.start()
    time.sleep(0.3)
    # (refused, or reset: its pooled connection dropped)
    with pytest.raises((EndpointConnectionError, ConnectionClosedError)):
        sqs.list_queues()
    restarting.join()

    # Then it answers at the same address again, with the queue and its message
    try:
        received = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1)
        assert [message["Body"] for message in received["Messages"]] == ["kept"]
    finally:
        sqs.delete_queue(QueueUrl=queue_url)


def test_the_interpreters_task_calls_outlast_a_restart_of_the_endpoint(
    local_stack: LocalStack,
) -> None:
    # Given the client moto's interpreter calls a task's Lambda with, and the endpoint away
    client: Any = lambda_eval_utils.boto_client_for(region=REGION, service="lambda")  # type: ignore[attr-defined]
    restarting = threading.Thread(target=local_stack.aws.restart, args=(1.0,))
    restarting.start()
    time.sleep(0.2)
    # When a task calls Lambda meanwhile
    answer = client.list_functions()
    restarting.join()
    # Then the call is answered once the endpoint is back, not failed (States.Runtime)
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
