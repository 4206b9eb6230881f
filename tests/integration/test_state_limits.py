"""Step Functions' 256 KiB payload quota holds locally for what a Map gathers from its
iterations, as it does in AWS, even when the Map's ResultPath drops it (local/state_limits.py)."""

from __future__ import annotations

import json

import pytest

from local.aws import ACCOUNT
from local.stack import ExecutionFailedError, LocalStack

QUOTA_BYTES = 256 * 1024
ITERATION_BYTES = 1024


def _gathering_machine(stack: LocalStack) -> str:
    """A machine whose Map answers about ITERATION_BYTES per item and drops what it gathered."""
    padding = "x" * ITERATION_BYTES
    definition = {
        "StartAt": "Gather",
        "States": {
            "Gather": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Answer",
                    "States": {
                        "Answer": {"Type": "Pass", "Parameters": {"padding": padding}, "End": True}
                    },
                },
                "ResultPath": None,
                "End": True,
            }
        },
    }
    arn: str = stack.aws.client("stepfunctions").create_state_machine(
        name="test-map-quota",
        definition=json.dumps(definition),
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/test",
    )["stateMachineArn"]
    return arn


def _run(stack: LocalStack, machine_arn: str, name: str, items: int) -> object:
    execution_arn = stack.aws.client("stepfunctions").start_execution(
        stateMachineArn=machine_arn, name=name, input=json.dumps({"items": list(range(items))})
    )["executionArn"]
    return stack.wait_for_execution(execution_arn, 120)


def test_a_map_gathering_more_than_256_kib_fails_even_when_its_result_is_dropped(
    local_stack: LocalStack,
) -> None:
    # Given a Map whose iterations answer 1 KiB each, and ResultPath null
    machine_arn = _gathering_machine(local_stack)
    within, beyond = 200, QUOTA_BYTES // ITERATION_BYTES + 10

    # When it runs over fewer items than fill 256 KiB, and over more
    kept = _run(local_stack, machine_arn, "within-quota", within)
    with pytest.raises(ExecutionFailedError) as failed:
        _run(local_stack, machine_arn, "beyond-quota", beyond)

    # Then the first succeeds with its input as output, and the second fails as AWS fails it
    assert kept == {"items": list(range(within))}
    assert "States.DataLimitExceeded" in str(failed.value)
