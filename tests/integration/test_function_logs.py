"""The functions' logs follow one user's message from the webhook to the answer pushed to
them, and keep every credential out; their metrics count what happened on the way."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from contracts.metrics import MetricName
from contracts.names import Handler
from handlers import composition
from local.aws import LOCAL_STAGE
from local.stack import LocalStack
from tests.function_logs import function_logs
from tests.stack_probes import stack_operations, verify_subscription
from tests.swapped_adapters import functions_measuring

USER = "2400000000000601"
# The ingest steps an artist request passes through: resolve, plan, fetch, recompute, notify.
WORKFLOW_STEPS_LOGGED = 5


def _saying(lines: list[dict[str, Any]], start: str) -> list[dict[str, Any]]:
    return [line for line in lines if line["message"].startswith(start)]


def _execution_arn(stack: LocalStack, name: str) -> str:
    machine = stack.resources.ingest_state_machine_arn
    return f"{machine.replace(':stateMachine:', ':execution:')}:{name}"


def _metrics(output: str) -> Counter[str]:
    """The total of each metric in the EMF lines of `output`."""
    totals: Counter[str] = Counter()
    for line in output.splitlines():
        if line.startswith('{"_aws"'):
            document = json.loads(line)
            for directive in document["_aws"]["CloudWatchMetrics"]:
                for metric in directive["Metrics"]:
                    totals[metric["Name"]] += sum(document[metric["Name"]])
    return totals


def test_one_message_is_followed_from_the_webhook_to_the_pushed_answer(
    clean_stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a user asking about an artist the bot has not fetched yet
    user = clean_stack.messenger_user(USER)

    # When they ask, and the pipeline fetches the artist and pushes the answer, with the
    # functions writing their metrics as on Lambda
    with function_logs() as logs, functions_measuring(LOCAL_STAGE.metric_namespace):
        assert user.say("Drake").status_code == 200
        assert len(user.replies(at_least=3, timeout_seconds=90)) == 3
        # NotifyWaiters logs and counts an answer once it is sent: the user may see it first.
        [execution] = {line["execution"] for line in logs.lines() if "execution" in line}
        clean_stack.wait_for_execution(_execution_arn(clean_stack, execution))
    lines = logs.lines()

    # Then the webhook named the message, converse answered it under the same ID, the
    # workflow's execution took it up, and the answer pushed under that execution names it
    [handed_off] = _saying(lines, "Handed 1 events")
    [mid] = handed_off["message_ids"]
    [answering] = _saying(lines, "Answering a text")
    assert answering["message_id"] == mid
    assert answering["function_name"] == clean_stack.resources.converse_function
    [planned] = _saying(lines, "Planning batches")
    assert planned["message_ids"] == [mid]
    [answered] = _saying(lines, "Answered a user")
    assert answered["message_id"] == mid
    assert answered["execution"] == planned["execution"]
    steps = {
        line["function_name"] for line in lines if line.get("execution") == answered["execution"]
    }
    assert len(steps) == WORKFLOW_STEPS_LOGGED
    # And the metrics count the miss, the three answers, the wait, and Spotify's calls
    metrics = _metrics(capsys.readouterr().out)
    assert metrics[MetricName.MISSES_QUEUED] == 1
    assert metrics[MetricName.ANSWERS_SENT] == 3
    assert 0 < metrics[MetricName.MISS_TO_ANSWER] < 90
    assert metrics[MetricName.SPOTIFY_CALLS] > 0
    assert metrics[MetricName.SENDS_FAILED] == metrics[MetricName.SPOTIFY_RATE_LIMITED] == 0


def test_no_credential_reaches_a_log_line(clean_stack: LocalStack) -> None:
    # Given the stack's credentials, and a user
    secrets = composition.dependencies().application_secrets
    credentials = {
        secrets.page_access_token.get_secret_value(),
        secrets.app_secret.get_secret_value(),
        secrets.spotify_client_secret.get_secret_value(),
        composition.dependencies().generated_secrets.verify_token.get_secret_value(),
    }
    user = clean_stack.messenger_user(USER)

    # When Meta verifies the subscription, a forged delivery is refused, and the user is
    # answered by converse and by the workflow
    with function_logs() as logs:
        verified = verify_subscription(clean_stack)
        forged = requests.post(
            clean_stack.endpoints.webhook_url,
            data=b'{"object": "page", "entry": []}',
            headers={"X-Hub-Signature-256": "sha256=" + "0" * 64},
            timeout=10,
        )
        assert user.say("Drake").status_code == 200
        assert len(user.replies(at_least=3, timeout_seconds=90)) == 3

    # Then the functions logged, and no line holds any credential
    assert (verified.status_code, forged.status_code) == (200, 403)
    assert logs.lines()
    assert [c for c in credentials if c in logs.text()] == []


# The functions of the daily refresh and the similarity rebuild that ends it.
REFRESH_STEPS = (
    Handler.GIVE_UP_STALE_WAITERS,
    Handler.PLAN_REFRESH,
    Handler.FETCH_ARTISTS,
    Handler.PREPARE_SIMILARITY_REBUILD,
    Handler.COMPUTE_SIMILARITY_SHARD,
    Handler.FINISH_SIMILARITY_REBUILD,
)
REFRESH_AS_OF = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)


def test_every_step_of_a_refresh_and_its_rebuild_logs_the_refresh_execution(
    clean_stack: LocalStack,
) -> None:
    # Given a few known artists
    clean_stack.ingest(["2ye2Wgw4gimLv2eAKyk1NB", "1ZwdS5xdxEREPySFridCfh"], name="logs-refresh")

    # When the daily refresh runs, its rebuild with it
    with function_logs() as logs:
        execution_arn = stack_operations(clean_stack).start_refresh(REFRESH_AS_OF)
        clean_stack.wait_for_execution(execution_arn, 120)

    # Then each of its functions logged under the refresh's execution name, the Map's
    # children (the fetches and the shards) included
    execution = execution_arn.rsplit(":", 1)[-1]
    logged = {line["function_name"] for line in logs.lines() if line.get("execution") == execution}
    assert {LOCAL_STAGE.function(step) for step in REFRESH_STEPS} <= logged
