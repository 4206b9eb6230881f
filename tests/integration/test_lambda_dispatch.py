"""Lambda invocations inside moto reach our handlers in-process (local/lambda_dispatch.py)."""

import json
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from handlers import composition
from local import lambda_dispatch
from local.aws import ACCOUNT, REGION
from local.lambda_dispatch import LocalFunction
from local.stack import LocalStack


class FlakyError(Exception):
    pass


def _doubler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"doubled": event["value"] * 2, "remaining_ms": context.get_remaining_time_in_millis()}


def _failer(event: dict[str, Any], context: Any) -> dict[str, Any]:
    raise FlakyError("the dependency is down")


def _sleeper(event: dict[str, Any], context: Any) -> dict[str, Any]:
    time.sleep(event["seconds"])
    return {"slept": event["seconds"]}


def _whereabouts(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if event.get("crash"):
        os._exit(1)
    return {
        "pid": os.getpid(),
        "started_at": _process_started_at(),
        "niceness": os.nice(0),
        "graph_api_url": composition.dependencies().settings.graph_api_url,
    }


def _process_started_at() -> float:
    """When this process started, to the clock tick (psutil's figure is a second coarse)."""
    after_command = Path("/proc/self/stat").read_text().rsplit(")", maxsplit=1)[1].split()
    started_since_boot = int(after_command[19]) / os.sysconf("SC_CLK_TCK")
    return time.time() - (time.clock_gettime(time.CLOCK_BOOTTIME) - started_since_boot)


def _slow_whereabouts(event: dict[str, Any], context: Any) -> dict[str, Any]:
    time.sleep(0.3)
    return _whereabouts(event, context)


@pytest.fixture(scope="module")
def registered(local_stack: LocalStack) -> LocalStack:
    lambda_dispatch.register(
        {
            "test-doubler": LocalFunction(_doubler, timeout_seconds=60),
            "test-failer": LocalFunction(_failer, timeout_seconds=60),
            "test-far-failer": LocalFunction(_failer, timeout_seconds=60, processes=1),
            "test-sleeper": LocalFunction(_sleeper, timeout_seconds=0.5),
        }
    )
    return local_stack


def test_a_direct_invoke_runs_the_handler_with_a_lambda_context(registered: LocalStack) -> None:
    # When the Lambda API is asked to invoke the function by ARN
    response = registered.aws.client("lambda").invoke(
        FunctionName=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:test-doubler",
        Payload=json.dumps({"value": 21}),
    )
    # Then the handler's result comes back, computed in this process
    payload = json.loads(response["Payload"].read())
    assert payload["doubled"] == 42
    assert 0 < payload["remaining_ms"] <= 60_000
    assert "FunctionError" not in response


@pytest.mark.parametrize(
    "function_name", ["test-failer", "test-far-failer"], ids=["in-process", "worker-process"]
)
def test_a_handler_exception_is_a_function_error_named_by_its_class(
    registered: LocalStack, function_name: str
) -> None:
    # When the handler raises, in this process or in a worker process
    response = registered.aws.client("lambda").invoke(
        FunctionName=function_name, Payload=json.dumps({})
    )
    # Then Lambda reports an unhandled error whose type is the exception's class
    assert response["FunctionError"] == "Unhandled"
    payload = json.loads(response["Payload"].read())
    assert payload == {"errorType": "FlakyError", "errorMessage": "the dependency is down"}


def test_a_handler_that_overruns_its_timeout_fails_the_way_lambda_reports_a_timeout(
    registered: LocalStack,
) -> None:
    # When a function with a half-second timeout runs for two seconds
    started = time.monotonic()
    response = registered.aws.client("lambda").invoke(
        FunctionName="test-sleeper", Payload=json.dumps({"seconds": 2})
    )

    # Then the invocation ends at the timeout with Lambda's unhandled Sandbox.Timedout error
    assert time.monotonic() - started < 1.5
    assert response["FunctionError"] == "Unhandled"
    payload = json.loads(response["Payload"].read())
    assert payload["errorType"] == "Sandbox.Timedout"
    assert payload["errorMessage"].endswith("Task timed out after 0.50 seconds")


def test_a_state_machine_task_can_catch_a_handler_error_by_type(registered: LocalStack) -> None:
    # Given a workflow that calls the failing function and catches FlakyError
    definition = {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "test-failer", "Payload.$": "$"},
                "Catch": [{"ErrorEquals": ["FlakyError"], "Next": "Caught"}],
                "End": True,
            },
            "Caught": {"Type": "Pass", "Result": {"outcome": "caught"}, "End": True},
        },
    }
    client = registered.aws.client("stepfunctions")
    machine = client.create_state_machine(
        name="test-catch",
        definition=json.dumps(definition),
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/test",
    )
    # When it runs
    execution = client.start_execution(
        stateMachineArn=machine["stateMachineArn"], name="catch-1", input="{}"
    )
    # Then the error was caught by its type
    assert registered.wait_for_execution(execution["executionArn"], 60) == {"outcome": "caught"}


def test_function_names_are_read_from_names_arns_and_qualified_arns() -> None:
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:sixpotify-fetch-artists"
    assert lambda_dispatch.function_name_of("sixpotify-fetch-artists") == "sixpotify-fetch-artists"
    assert lambda_dispatch.function_name_of(arn) == "sixpotify-fetch-artists"
    assert lambda_dispatch.function_name_of(f"{arn}:$LATEST") == "sixpotify-fetch-artists"


def test_a_function_given_worker_processes_runs_in_one_built_from_the_stacks_settings(
    registered: LocalStack,
) -> None:
    # Given a function whose invocations run in a worker process
    lambda_dispatch.register(
        {"test-whereabouts": LocalFunction(_whereabouts, timeout_seconds=60, processes=1)}
    )
    # When it is invoked
    response = registered.aws.client("lambda").invoke(
        FunctionName="test-whereabouts", Payload=json.dumps({})
    )
    # Then it ran in another process, on the settings of the stack that invoked it
    payload = json.loads(response["Payload"].read())
    assert payload["pid"] != os.getpid()
    assert payload["graph_api_url"] == registered.graph.api_url
    # And at a lower CPU priority than the stack's own process
    assert payload["niceness"] == min(19, os.nice(0) + lambda_dispatch.WORKER_NICENESS)


def test_worker_processes_started_with_the_stack_answer_the_first_invocations(
    registered: LocalStack,
) -> None:
    # Given a function with two worker processes, started before anything invoked it
    lambda_dispatch.register(
        {"test-provisioned": LocalFunction(_slow_whereabouts, timeout_seconds=60, processes=2)}
    )
    lambda_dispatch.start_worker_processes()
    first_invoked_at = time.time()

    # When it is invoked twice at once
    client = registered.aws.client("lambda")
    with ThreadPoolExecutor(max_workers=2) as invokers:
        responses = list(
            invokers.map(
                lambda _: client.invoke(FunctionName="test-provisioned", Payload=b"{}"), range(2)
            )
        )

    # Then two processes answered, both running before the first invocation
    payloads = [json.loads(response["Payload"].read()) for response in responses]
    assert len({payload["pid"] for payload in payloads}) == 2
    assert all(payload["started_at"] < first_invoked_at for payload in payloads)


def test_a_worker_process_that_died_is_replaced_for_the_next_invocation(
    registered: LocalStack,
) -> None:
    # Given a function whose worker process dies under an invocation
    lambda_dispatch.register(
        {"test-crasher": LocalFunction(_whereabouts, timeout_seconds=60, processes=1)}
    )
    client = registered.aws.client("lambda")
    crashed = client.invoke(FunctionName="test-crasher", Payload=json.dumps({"crash": True}))
    assert crashed["FunctionError"] == "Unhandled"
    # When the function is invoked again
    response = client.invoke(FunctionName="test-crasher", Payload=json.dumps({}))
    # Then a new worker answers
    assert "FunctionError" not in response
    assert json.loads(response["Payload"].read())["pid"] != os.getpid()


@pytest.mark.parametrize(
    ("invocation_type", "limit"),
    [
        ("Event", lambda_dispatch.ASYNC_PAYLOAD_LIMIT_BYTES),
        ("RequestResponse", lambda_dispatch.SYNC_PAYLOAD_LIMIT_BYTES),
    ],
)
def test_a_payload_beyond_lambdas_limit_is_refused_whole(
    registered: LocalStack, invocation_type: str, limit: int
) -> None:
    # Given a payload one byte larger than Lambda takes for this kind of invocation
    padding = "x" * (limit - len(json.dumps({"value": 1, "padding": ""})) + 1)
    payload = json.dumps({"value": 1, "padding": padding})
    assert len(payload) == limit + 1
    # When it is invoked / Then Lambda's own error refuses it, and nothing runs
    with pytest.raises(ClientError) as refused:
        registered.aws.client("lambda").invoke(
            FunctionName="test-doubler", InvocationType=invocation_type, Payload=payload
        )
    assert refused.value.response["Error"]["Code"] == "RequestTooLargeException"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413


def test_a_failure_in_a_worker_process_is_logged_here_without_a_second_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given a handler's failure reported by the worker process that logged its traceback
    error = lambda_dispatch.WorkerProcessError("FlakyError", "the dependency is down")
    # When the dispatch logs it
    with caplog.at_level(logging.ERROR, logger="local.lambda_dispatch"):
        lambda_dispatch._log_failure(error, "function %s failed", "test-far-failer")
    # Then it is one error line naming the function and the error, without a traceback
    [record] = caplog.records
    assert record.getMessage() == (
        "function test-far-failer failed in its worker process: FlakyError: the dependency is down"
    )
    assert record.exc_info is None


def test_a_failure_in_this_process_is_logged_with_its_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # When the dispatch logs a handler's failure in this process
    error = FlakyError("the dependency is down")
    with caplog.at_level(logging.ERROR, logger="local.lambda_dispatch"):
        lambda_dispatch._log_failure(error, "function %s failed", "test-failer")
    # Then it is one error with the exception's traceback
    [record] = caplog.records
    assert record.getMessage() == "function test-failer failed"
    assert record.exc_info is not None
    assert record.exc_info[1] is error
