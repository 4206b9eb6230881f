"""Starting an execution of a state machine and following it to its end, for everything on
one machine that runs the workflow: the stack's seeding and tests, the backfill, and the
operator's commands. Each caller words the ending its own way; how an ending is found is
said once here."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

RUNNING = "RUNNING"
SUCCEEDED = "SUCCEEDED"


@dataclass(frozen=True)
class ExecutionEnd:
    """How an execution ended (SUCCEEDED, FAILED, TIMED_OUT or ABORTED), with its output
    when it succeeded and its error and cause when it did not; RUNNING when it had not ended
    by the deadline."""

    execution_arn: str
    status: str
    output: Any = None
    error: str | None = None
    cause: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status == SUCCEEDED

    @property
    def still_running(self) -> bool:
        return self.status == RUNNING


class ExecutionRunner:
    """Starts executions of one state machine and waits for them, looking every
    poll_seconds."""

    def __init__(self, stepfunctions: Any, state_machine_arn: str, poll_seconds: float) -> None:
        self._stepfunctions = stepfunctions
        self._state_machine_arn = state_machine_arn
        self._poll_seconds = poll_seconds

    def start(self, name: str, execution_input: Any) -> str:
        """Start an execution under this name with this input; returns its ARN."""
        execution_arn: str = self._stepfunctions.start_execution(
            stateMachineArn=self._state_machine_arn,
            name=name,
            input=json.dumps(execution_input),
        )["executionArn"]
        return execution_arn

    def wait(
        self,
        execution_arn: str,
        timeout_seconds: float | None,
        at_every_look: Callable[[], None] = lambda: None,
    ) -> ExecutionEnd:
        """How the execution ended, or that it still runs once timeout_seconds passed (None:
        wait as long as it runs). at_every_look is called after each look, the last too."""
        deadline = None if timeout_seconds is None else time.monotonic() + timeout_seconds
        while deadline is None or time.monotonic() < deadline:
            execution = self._stepfunctions.describe_execution(executionArn=execution_arn)
            at_every_look()
            status = execution["status"]
            if status == SUCCEEDED:
                return ExecutionEnd(execution_arn, status, output=json.loads(execution["output"]))
            if status != RUNNING:
                return ExecutionEnd(
                    execution_arn,
                    status,
                    error=execution.get("error"),
                    cause=execution.get("cause"),
                )
            time.sleep(self._poll_seconds)
        return ExecutionEnd(execution_arn, RUNNING)

    def run(self, name: str, execution_input: Any, timeout_seconds: float | None) -> ExecutionEnd:
        """Start an execution and wait for its end."""
        return self.wait(self.start(name, execution_input), timeout_seconds)
