"""The ingest workflow as rendered for CDK and the local stack, and its `${...}` substitutions
as CloudFormation's DefinitionSubstitutions fills them in."""

from __future__ import annotations

import json
from typing import Any

import pytest

from domain.errors import (
    DatabaseUnavailableError,
    MessengerDeliveryError,
    MessengerUnavailableError,
    WriteConflictError,
)
from stacks.workflow_definitions import (
    INGEST_FUNCTION_SUBSTITUTIONS,
    INGEST_SUBSTITUTIONS,
    INGEST_WORKFLOW_FILE,
    REFRESH_RESULTS_PREFIX,
    WORKFLOWS_DIRECTORY,
    UnresolvedSubstitutionError,
    placeholders,
    render_definition,
    substitute,
)


def test_substitute_replaces_every_placeholder_and_leaves_json_paths_alone() -> None:
    # Given a definition with a placeholder twice and a JSONPath that looks a bit alike
    text = '{"A": "${FnArn}", "B": "${FnArn}", "C.$": "$.items", "D": "$${x"}'

    # When it is rendered
    rendered = substitute(text, {"FnArn": "arn:aws:lambda:eu-west-1:1:function:f"})

    # Then both placeholders carry the value and the rest is unchanged
    assert json.loads(rendered) == {
        "A": "arn:aws:lambda:eu-west-1:1:function:f",
        "B": "arn:aws:lambda:eu-west-1:1:function:f",
        "C.$": "$.items",
        "D": "$${x",
    }


def test_substitute_names_every_placeholder_it_cannot_fill() -> None:
    # Given a definition with two placeholders the mapping lacks
    text = '{"A": "${First}", "B": "${Second}", "C": "${Known}"}'

    # When it is rendered
    with pytest.raises(UnresolvedSubstitutionError) as raised:
        substitute(text, {"Known": "x"})

    # Then the error lists both
    assert raised.value.missing == frozenset({"First", "Second"})
    assert "First, Second" in str(raised.value)


def test_ingest_workflow_uses_exactly_the_declared_substitutions() -> None:
    # Given the ingest workflow in the repository, with the fragments it includes
    text = render_definition(INGEST_WORKFLOW_FILE)

    # When its placeholders are listed
    found = placeholders(text)

    # Then they are the eleven function ARNs, the dead-letter queue and the lake bucket that CDK
    # and the local stack provide
    assert found == frozenset(INGEST_SUBSTITUTIONS)
    assert len(INGEST_FUNCTION_SUBSTITUTIONS) == 11
    assert set(INGEST_SUBSTITUTIONS) - set(INGEST_FUNCTION_SUBSTITUTIONS) == {
        "DeadLetterQueueUrl",
        "LakeBucketName",
    }


def _ingest_states() -> dict[str, Any]:
    states: dict[str, Any] = json.loads(render_definition(INGEST_WORKFLOW_FILE))["States"]
    return states


def _all_states(states: dict[str, Any]) -> dict[str, Any]:
    """Every state, those inside Maps included, by name (names are unique machine-wide)."""
    found = dict(states)
    for state in states.values():
        found |= _all_states(state.get("ItemProcessor", {}).get("States", {}))
    return found


def test_requested_and_refreshed_batches_go_through_the_one_batch_loop() -> None:
    # Given the ingest workflow as written, and the batch loop it includes
    written = json.loads(INGEST_WORKFLOW_FILE.read_text(encoding="utf-8"))["States"]
    loop = json.loads((WORKFLOWS_DIRECTORY / "fetch_batch.asl.json").read_text(encoding="utf-8"))

    # When the two Maps that fetch artists are read, as written and as rendered
    requested, refreshed = written["FetchArtists"], written["RefreshArtists"]
    rendered = _ingest_states()

    # Then both include the one loop, each under its own prefix, and give only the state a batch
    # ends in; the requests' Map runs it inline and the refresh's as child executions
    assert requested["ItemProcessor"]["StatesFrom"] == {
        "File": "fetch_batch.asl.json",
        "StatePrefix": "",
    }
    assert refreshed["ItemProcessor"]["StatesFrom"] == {
        "File": "fetch_batch.asl.json",
        "StatePrefix": "Refresh",
    }
    assert requested["ItemProcessor"]["States"].keys() == {"BatchDone"}
    assert refreshed["ItemProcessor"]["States"].keys() == {"RefreshBatchDone"}
    for name, prefix in (("FetchArtists", ""), ("RefreshArtists", "Refresh")):
        processor = rendered[name]["ItemProcessor"]
        assert processor["StartAt"] == prefix + loop["StartAt"]
        assert {prefix + state for state in loop["States"]} < processor["States"].keys()
    assert requested["ItemSelector"] == refreshed["ItemSelector"]
    assert requested["ItemProcessor"]["ProcessorConfig"] == {"Mode": "INLINE"}
    assert refreshed["ItemProcessor"]["ProcessorConfig"] == {
        "Mode": "DISTRIBUTED",
        "ExecutionType": "STANDARD",
    }
    assert "ItemBatcher" not in refreshed


def test_refreshed_batches_answer_with_counts_that_the_map_writes_to_the_lake() -> None:
    # Given the refresh's Distributed Map
    refreshed = _ingest_states()["RefreshArtists"]

    # When the state its children end with, and where it puts their answers, are read
    done = refreshed["ItemProcessor"]["States"]["RefreshBatchDone"]

    # Then each child answers three counts, the same few bytes whatever its batch, and the Map
    # writes the answers under the results prefix of the lake instead of gathering them
    assert done["Parameters"] == {
        f"{count}.$": f"States.ArrayLength($.summary.{count})"
        for count in ("ingested", "not_found", "failed")
    }
    assert done["End"] is True
    assert "OutputPath" not in done
    assert refreshed["ResultWriter"] == {
        "Resource": "arn:aws:states:::s3:putObject",
        "Parameters": {"Bucket": "${LakeBucketName}", "Prefix": REFRESH_RESULTS_PREFIX},
    }


def test_only_batches_that_failed_go_to_the_dead_letter_queue() -> None:
    # Given every state of the ingest workflow
    states = _all_states(_ingest_states())

    # When the states that send to the dead-letter queue, and where each batch loop goes on a
    # failure, are found
    senders = {
        name
        for name, state in states.items()
        if state.get("Resource") == "arn:aws:states:::sqs:sendMessage"
    }
    caught = {states[name]["Catch"][0]["Next"] for name in ("FetchBatch", "RefreshFetchBatch")}

    # Then only a batch's failure sends its IDs there: IDs Spotify does not have are
    # tombstoned by FetchArtists, never dead-lettered
    assert senders == {"DeadLetterBatchMessage", "RefreshDeadLetterBatchMessage"}
    assert caught == {"DeadLetterBatch", "RefreshDeadLetterBatch"}
    assert states["AnyDeferred"]["Default"] == "BatchDone"


def test_notify_waiters_is_retried_when_the_send_api_failed_for_now_and_only_then() -> None:
    # Given the NotifyWaiters task of the ingest workflow
    notify = _ingest_states()["NotifyWaiters"]

    # When the errors its retries match are read
    retried = {error for rule in notify["Retry"] for error in rule["ErrorEquals"]}

    # Then a run that kept some users waiting because the Send API failed for now is run
    # again, and a refused request (MessengerDeliveryError) or anything else is not
    assert MessengerUnavailableError.__name__ in retried
    assert MessengerDeliveryError.__name__ not in retried
    assert "States.ALL" not in retried


def test_a_rebuild_whose_switch_collided_with_another_writer_is_finished_again() -> None:
    # Given the FinishSimilarityRebuild task of the ingest workflow
    finish = _ingest_states()["FinishSimilarityRebuild"]

    # When the errors its retries match are read
    retried = {error for rule in finish["Retry"] for error in rule["ErrorEquals"]}

    # Then a deadlock or serialization failure rolled back by PostgreSQL is tried again
    # before the rebuild is abandoned
    assert WriteConflictError.__name__ in retried


def test_queued_requests_have_their_lookups_resolved_before_they_are_planned() -> None:
    # Given the ingest workflow's states
    states = _ingest_states()

    # When a batch of queued requests (the Choice's default) is followed
    first = states[states["RequestsOrRefresh"]["Default"]]
    after = states[first["Next"]]

    # Then lookups are searched first, and a batch left with no artist to fetch ends there
    assert first["Parameters"]["FunctionName"] == "${ResolveLookupsFunctionArn}"
    assert after["Type"] == "Choice"
    assert after["Choices"][0]["Next"] == "PlanBatches"
    assert states[after["Default"]]["Type"] == "Succeed"


def test_every_task_that_uses_the_database_outwaits_its_restart() -> None:
    # Given every Lambda task of the ingest workflow, Map items included
    tasks = _lambda_tasks(_ingest_states())

    # When those of the functions that use PostgreSQL are read
    database_tasks = {
        name: task
        for name, task in tasks.items()
        if task["Parameters"]["FunctionName"] in _DATABASE_FUNCTIONS
    }

    # Then each retries a lost database for about two minutes (5 + 10 + 20 + 40 + 60 s), time
    # for a restart or a failover, before any catch-all rule or catch
    assert len(database_tasks) == 9
    for name, task in database_tasks.items():
        position = {tuple(rule["ErrorEquals"]): n for n, rule in enumerate(task["Retry"])}
        rule = task["Retry"][position[(DatabaseUnavailableError.__name__,)]]
        catch_all = position.get(("States.ALL",), len(task["Retry"]))
        assert position[(DatabaseUnavailableError.__name__,)] < catch_all, name
        waits = [
            min(rule["IntervalSeconds"] * rule["BackoffRate"] ** n, rule["MaxDelaySeconds"])
            for n in range(rule["MaxAttempts"])
        ]
        assert sum(waits) >= 120, name


_DATABASE_FUNCTIONS = {
    f"${{{substitution}}}"
    for substitution in (
        "FetchArtistsFunctionArn",
        "RecomputeSimilarityFunctionArn",
        "NotifyWaitersFunctionArn",
        "PlanRefreshFunctionArn",
        "PrepareSimilarityRebuildFunctionArn",
        "ComputeSimilarityShardFunctionArn",
        "FinishSimilarityRebuildFunctionArn",
        "AbandonSimilarityRebuildFunctionArn",
    )
}


def _lambda_tasks(states: dict[str, Any]) -> dict[str, Any]:
    tasks: dict[str, Any] = {}
    for name, state in states.items():
        if state["Type"] == "Task" and "FunctionName" in state.get("Parameters", {}):
            tasks[name] = state
        for nested in ("ItemProcessor", "Iterator"):
            if nested in state:
                tasks |= _lambda_tasks(state[nested]["States"])
    return tasks
