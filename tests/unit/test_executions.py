"""Following an execution to its end: its output, why it failed, or that it still runs."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from local.executions import ExecutionRunner


@dataclass
class LookedAtStepFunctions:
    """Step Functions whose one execution is described as scripted, one look at a time;
    the last description stays once the script runs out."""

    looks: list[dict[str, Any]]
    started: list[dict[str, str]] = field(default_factory=list)

    def start_execution(self, **request: str) -> dict[str, str]:
        self.started.append(request)
        return {"executionArn": f"{request['stateMachineArn']}:{request['name']}"}

    def describe_execution(self, **request: str) -> dict[str, Any]:
        return self.looks.pop(0) if len(self.looks) > 1 else self.looks[0]


def test_a_succeeded_execution_gives_its_output_after_every_look() -> None:
    # Given an execution that runs for two looks and then succeeds
    stepfunctions = LookedAtStepFunctions(
        [{"status": "RUNNING"}] * 2 + [{"status": "SUCCEEDED", "output": '{"fetched": []}'}]
    )
    runner = ExecutionRunner(stepfunctions, "arn:sm", poll_seconds=0)
    looks: list[None] = []

    # When it is started with a name and an input and followed to its end
    ended = runner.wait(runner.start("run-1", {"artist_ids": ["a"]}), 5, lambda: looks.append(None))

    # Then it started as asked, and gave its output after three looks, each one heard
    assert stepfunctions.started == [
        {"stateMachineArn": "arn:sm", "name": "run-1", "input": json.dumps({"artist_ids": ["a"]})}
    ]
    assert ended.succeeded
    assert ended.output == {"fetched": []}
    assert ended.execution_arn == "arn:sm:run-1"
    assert len(looks) == 3


def test_a_failed_execution_says_why() -> None:
    # Given an execution that fails
    stepfunctions = LookedAtStepFunctions(
        [{"status": "FAILED", "error": "States.Runtime", "cause": "a bad path"}]
    )

    # When it is run
    ended = ExecutionRunner(stepfunctions, "arn:sm", poll_seconds=0).run("run-1", {}, 5)

    # Then it ended failed, with the error and the cause
    assert (ended.succeeded, ended.still_running) == (False, False)
    assert (ended.status, ended.error, ended.cause) == ("FAILED", "States.Runtime", "a bad path")


def test_an_execution_running_past_the_deadline_is_said_to_still_run() -> None:
    # Given an execution that never ends
    stepfunctions = LookedAtStepFunctions([{"status": "RUNNING"}])

    # When it is run with a short deadline
    ended = ExecutionRunner(stepfunctions, "arn:sm", poll_seconds=0.01).run("run-1", {}, 0.05)

    # Then it is said to still run, with no output
    assert ended.still_running
    assert ended.output is None
