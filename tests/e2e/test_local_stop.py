"""Stopping the local stack with a backlog: every message it answered 200 to is answered or
set aside on the converse-failures queue, none dropped.

Each stop runs in a process of its own: a stack's moto state and composition root belong to
its process, and the session's stack must stay up for the other tests.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from handlers import composition
from local import lambda_dispatch
from local.aws import LOCAL_STAGE, LocalAws
from local.postgres import scratch_database
from local.stack import start_local_stack
from tests.swapped_adapters import GatedMessenger, handlers_using

USERS = 10
_RESULT = "result: "


def stop_with_a_backlog(
    server_url: str, state_dir: str, drain_seconds: float, open_gate_after: float | None
) -> dict[str, Any]:
    """In a process of its own: start a stack, hold converse at a gate while USERS users
    write, stop the stack (opening the gate open_gate_after seconds into the stop, or never),
    and say who was answered and whose message is on the converse-failures queue."""
    gate = threading.Event()
    stopping = contextlib.ExitStack()
    database_url = stopping.enter_context(scratch_database(server_url))
    stack = stopping.enter_context(
        start_local_stack(Path(state_dir), database_url=database_url, drain_seconds=drain_seconds)
    )
    users = [stack.messenger_user(f"24000000000005{n:02d}") for n in range(USERS)]
    with handlers_using(
        composition.Adapters(messenger=GatedMessenger(composition.dependencies().messenger, gate))
    ):
        accepted = [user.say("?").status_code for user in users]
        while lambda_dispatch.asynchronous_status().running < lambda_dispatch.ASYNCHRONOUS_WORKERS:
            time.sleep(0.02)
        if open_gate_after is not None:
            threading.Timer(open_gate_after, gate.set).start()
        stopping.close()
    answered = [
        sent["body"]["recipient"]["id"] for sent in stack.graph.sent() if "message" in sent["body"]
    ]
    return {
        "accepted": accepted,
        "answered": answered,
        "set_aside": _converse_failures_left_behind(),
    }


def _converse_failures_left_behind() -> list[dict[str, Any]]:
    # moto keeps its state in the process: a new server shows what the stopped one held.
    aws = LocalAws()
    aws.start()
    try:
        sqs = aws.client("sqs")
        queue_url = sqs.get_queue_url(QueueName=LOCAL_STAGE.converse_failures_queue)["QueueUrl"]
        records: list[dict[str, Any]] = []
        while messages := sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=60
        ).get("Messages"):
            records.extend(json.loads(message["Body"]) for message in messages)
        return records
    finally:
        aws.stop()


def _stop_in_its_own_process(
    postgres_server_url: str, tmp_path: Path, drain_seconds: float, open_gate_after: float | None
) -> tuple[dict[str, Any], str]:
    arguments = [postgres_server_url, str(tmp_path), drain_seconds, open_gate_after]
    script = (
        "import json, sys\n"
        "from tests.e2e.test_local_stop import stop_with_a_backlog\n"
        f"print({_RESULT!r} + json.dumps(stop_with_a_backlog(*json.loads(sys.argv[1]))))\n"
    )
    finished = subprocess.run(
        [sys.executable, "-c", script, json.dumps(arguments)],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    output = finished.stdout + finished.stderr
    result_lines = [line for line in finished.stdout.splitlines() if line.startswith(_RESULT)]
    assert finished.returncode == 0, output
    assert result_lines, output
    return json.loads(result_lines[0].removeprefix(_RESULT)), output


def test_stopping_lets_the_backlog_be_answered_before_the_stack_goes(
    postgres_server_url: str, tmp_path: Path
) -> None:
    # Given ten users whose messages were acknowledged while converse was held, so that four
    # invocations run and six wait
    # When the stack stops, and converse is let go a second into the stop
    result, output = _stop_in_its_own_process(
        postgres_server_url, tmp_path, drain_seconds=30, open_gate_after=1.0
    )

    # Then every user got their answer before the stack went, and nothing was set aside
    assert result["accepted"] == [200] * USERS
    assert len(result["answered"]) == USERS
    assert len(set(result["answered"])) == USERS
    assert result["set_aside"] == []
    # And the stop said what it was waiting for
    assert "stopping: 6 asynchronous invocations waiting, 4 running" in output


def test_stopping_sets_aside_what_still_waits_at_the_bound(
    postgres_server_url: str, tmp_path: Path
) -> None:
    # Given ten acknowledged messages and converse held for good
    # When the stack stops, waiting at most half a second
    result, output = _stop_in_its_own_process(
        postgres_server_url, tmp_path, drain_seconds=0.5, open_gate_after=None
    )

    # Then the six messages still waiting are on the converse-failures queue, saying why,
    # ready for a replay
    assert result["accepted"] == [200] * USERS
    assert result["answered"] == []
    records = result["set_aside"]
    assert len(records) == USERS - lambda_dispatch.ASYNCHRONOUS_WORKERS
    assert {record["requestContext"]["condition"] for record in records} == {"LocalStackStopped"}
    assert {record["responsePayload"]["errorType"] for record in records} == {"LocalStackStopped"}
    assert len({record["requestPayload"]["events"][0]["user_id"] for record in records}) == 6
    # And the four still running when the stack went are reported, not passed over in silence
    assert "6 asynchronous invocations still waiting after 0.5 s were set aside" in output
    assert "4 asynchronous invocations still running after 0.5 s" in output
