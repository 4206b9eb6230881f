"""The pipeline stack: queue with dead letters, pipe, and the ingest state machine as written
in workflows/."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Template

from contracts.names import Handler
from stacks.function_timeouts import FUNCTION_TIMEOUT_SECONDS, TASK_TIMEOUT_MARGIN_SECONDS
from stacks.workflow_definitions import (
    INGEST_WORKFLOW_FILE,
    IngestSubstitution,
    render_definition,
    substitute,
)
from tests.infra.synthesis import Synthesized
from tests.infra.template_queries import (
    ResourceRef,
    function_properties,
    logical_id_where,
    resolve,
    resources_of_type,
    tls_only_queues,
)

SUBSTITUTED_HANDLERS = {
    IngestSubstitution.RESOLVE_LOOKUPS: Handler.RESOLVE_LOOKUPS,
    IngestSubstitution.PLAN_BATCHES: Handler.PLAN_BATCHES,
    IngestSubstitution.FETCH_ARTISTS: Handler.FETCH_ARTISTS,
    IngestSubstitution.RECOMPUTE_SIMILARITY: Handler.RECOMPUTE_SIMILARITY,
    IngestSubstitution.NOTIFY_WAITERS: Handler.NOTIFY_WAITERS,
    IngestSubstitution.GIVE_UP_STALE_WAITERS: Handler.GIVE_UP_STALE_WAITERS,
    IngestSubstitution.PLAN_REFRESH: Handler.PLAN_REFRESH,
    IngestSubstitution.PREPARE_SIMILARITY_REBUILD: Handler.PREPARE_SIMILARITY_REBUILD,
    IngestSubstitution.COMPUTE_SIMILARITY_SHARD: Handler.COMPUTE_SIMILARITY_SHARD,
    IngestSubstitution.FINISH_SIMILARITY_REBUILD: Handler.FINISH_SIMILARITY_REBUILD,
    IngestSubstitution.ABANDON_SIMILARITY_REBUILD: Handler.ABANDON_SIMILARITY_REBUILD,
}
# Memory (MB) and timeout (s) of the rebuild's functions: prepare and each shard hold a whole
# catalog's features in memory; finishing and abandoning do far less.
REBUILD_SIZING = {
    Handler.PREPARE_SIMILARITY_REBUILD: (3008, 600),
    Handler.COMPUTE_SIMILARITY_SHARD: (3008, 600),
    Handler.FINISH_SIMILARITY_REBUILD: (1024, 300),
    Handler.ABANDON_SIMILARITY_REBUILD: (512, 120),
}


def test_requests_queue_redrives_to_its_dead_letter_queue_after_five_receives(
    synthesized: Synthesized,
) -> None:
    # Given the pipeline's queues
    names = synthesized.names
    template = synthesized.template_json(names.pipeline_stack)

    # When the requests queue and the dead-letter queue are looked up by name
    queue_id = logical_id_where(template, "AWS::SQS::Queue", "QueueName", names.requests_queue)
    dead_letters_id = logical_id_where(
        template, "AWS::SQS::Queue", "QueueName", names.requests_dead_letter_queue
    )

    # Then the first sends to the second after five failed receives, and both are encrypted
    queue = template["Resources"][queue_id]["Properties"]
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dead_letters_id, "Arn"]},
        "maxReceiveCount": 5,
    }
    for queue_properties in resources_of_type(template, "AWS::SQS::Queue").values():
        assert queue_properties["Properties"]["SqsManagedSseEnabled"] is True


def test_pipe_starts_ingest_with_batches_of_queued_requests(synthesized: Synthesized) -> None:
    # Given the pipeline stack
    names = synthesized.names
    template = synthesized.template_json(names.pipeline_stack)
    queue_id = logical_id_where(template, "AWS::SQS::Queue", "QueueName", names.requests_queue)
    (machine_id,) = resources_of_type(template, "AWS::StepFunctions::StateMachine")

    # When its pipe is read
    (pipe,) = resources_of_type(template, "AWS::Pipes::Pipe").values()

    # Then it reads the requests queue in batches and starts executions without waiting
    properties = pipe["Properties"]
    assert properties["Source"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    assert properties["SourceParameters"]["SqsQueueParameters"] == {
        "BatchSize": 10,
        "MaximumBatchingWindowInSeconds": 5,
    }
    assert properties["Target"] == {"Ref": machine_id}
    assert properties["TargetParameters"] == {
        "StepFunctionStateMachineParameters": {"InvocationType": "FIRE_AND_FORGET"}
    }


def test_pipe_logs_its_errors_without_the_messages_for_as_long_as_the_stage_keeps_logs(
    synthesized: Synthesized,
) -> None:
    # Given the pipeline stack and the log group named for the pipe
    names = synthesized.names
    template = synthesized.template_json(names.pipeline_stack)
    log_group_id = logical_id_where(
        template, "AWS::Logs::LogGroup", "LogGroupName", names.requests_pipe_log_group
    )

    # When its pipe's log configuration is read
    (pipe,) = resources_of_type(template, "AWS::Pipes::Pipe").values()
    log_configuration = pipe["Properties"]["LogConfiguration"]

    # Then failures are logged to that group, without the messages or requests themselves,
    # and the group keeps them as long as the stage keeps every log
    assert log_configuration == {
        "CloudwatchLogsLogDestination": {"LogGroupArn": {"Fn::GetAtt": [log_group_id, "Arn"]}},
        "Level": "ERROR",
    }
    retention = template["Resources"][log_group_id]["Properties"]["RetentionInDays"]
    assert retention == _retention_days(synthesized.config.log_retention)


def test_state_machine_is_standard_logged_and_traced(synthesized: Synthesized) -> None:
    # Given the pipeline stack
    template = synthesized.template_json(synthesized.names.pipeline_stack)

    # When its state machine is read
    (machine,) = resources_of_type(template, "AWS::StepFunctions::StateMachine").values()

    # Then it is a STANDARD machine logging every event and sending traces
    properties = machine["Properties"]
    assert properties["StateMachineName"] == synthesized.names.ingest_state_machine
    assert properties["StateMachineType"] == "STANDARD"
    assert properties["LoggingConfiguration"]["Level"] == "ALL"
    assert properties["TracingConfiguration"] == {"Enabled": True}


def test_deployed_definition_is_the_rendered_workflow_with_each_function_arn(
    synthesized: Synthesized,
) -> None:
    # Given the state machine's definition and its deploy-time substitutions
    names = synthesized.names
    template = synthesized.template_json(names.pipeline_stack)
    (machine,) = resources_of_type(template, "AWS::StepFunctions::StateMachine").values()
    properties = machine["Properties"]
    function_arns = {
        name: f"<{logical_id_where(template, 'AWS::Lambda::Function', 'Handler', handler)}.Arn>"
        for name, handler in SUBSTITUTED_HANDLERS.items()
    }
    dead_letters_id = logical_id_where(
        template, "AWS::SQS::Queue", "QueueName", names.requests_dead_letter_queue
    )
    substitutions = properties["DefinitionSubstitutions"]

    # When CloudFormation's substitution is played on it
    deployed = substitute(
        properties["DefinitionString"],
        {name: _rendered(value) for name, value in substitutions.items()},
    )

    # Then it equals the workflow file, with the fragments it includes, with each function's
    # ARN and the dead-letter queue's URL
    expected = substitute(
        render_definition(INGEST_WORKFLOW_FILE),
        function_arns
        | {
            IngestSubstitution.DEAD_LETTER_QUEUE_URL: f"<{dead_letters_id}>",
            IngestSubstitution.LAKE_BUCKET: _rendered(
                substitutions[IngestSubstitution.LAKE_BUCKET]
            ),
        },
    )
    assert json.loads(deployed) == json.loads(expected)
    # And the bucket it reads manifests from is the data stack's lake
    lake = resolve(
        substitutions[IngestSubstitution.LAKE_BUCKET], names.pipeline_stack, synthesized.templates
    )
    data = synthesized.template_json(names.data_stack)
    assert isinstance(lake, ResourceRef)
    assert lake.stack == names.data_stack
    assert "VersioningConfiguration" in data["Resources"][lake.logical_id]["Properties"]


@pytest.mark.parametrize(("handler", "sizing"), sorted(REBUILD_SIZING.items()))
def test_rebuild_functions_are_named_and_sized_for_their_step(
    synthesized: Synthesized, handler: str, sizing: tuple[int, int]
) -> None:
    # Given the pipeline stack
    names = synthesized.names
    template = synthesized.template_json(names.pipeline_stack)

    # When the function running the rebuild step is read
    properties = function_properties(template, handler)

    # Then it bears the stage's name for it, with the step's memory and timeout
    assert properties["FunctionName"] == names.function(handler)
    assert (properties["MemorySize"], properties["Timeout"]) == sizing


def _lambda_tasks(states: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every Task state that invokes a function, at any depth, by state name."""
    found: dict[str, dict[str, Any]] = {}
    for name, state in states.items():
        if state.get("Resource") == "arn:aws:states:::lambda:invoke":
            found[name] = state
        found |= _lambda_tasks(state.get("ItemProcessor", {}).get("States", {}))
    return found


def test_each_lambda_task_outwaits_its_function_and_retries_either_timeout(
    synthesized: Synthesized,
) -> None:
    # Given the deployed functions' timeouts and the workflow's Lambda tasks
    template = synthesized.template_json(synthesized.names.pipeline_stack)
    function_timeouts = {
        name: function_properties(template, handler)["Timeout"]
        for name, handler in SUBSTITUTED_HANDLERS.items()
    }
    tasks = _lambda_tasks(json.loads(render_definition(INGEST_WORKFLOW_FILE))["States"])

    # When each task's function is read from the placeholder it invokes
    invoked = {
        name: task["Parameters"]["FunctionName"].removeprefix("${").removesuffix("}")
        for name, task in tasks.items()
    }

    # Then every function is invoked, and every task waits a margin longer than its function
    # may run, so that Lambda's own timeout (Sandbox.Timedout) comes first; both that and the
    # task's (States.Timeout) are retried
    assert set(invoked.values()) == set(SUBSTITUTED_HANDLERS)
    for name, task in tasks.items():
        function_timeout = function_timeouts[invoked[name]]
        assert task["TimeoutSeconds"] > function_timeout, name
        assert task["TimeoutSeconds"] == function_timeout + TASK_TIMEOUT_MARGIN_SECONDS, name
        retried = {error for retrier in task["Retry"] for error in retrier["ErrorEquals"]}
        assert {"Sandbox.Timedout", "States.Timeout"} <= retried or "States.ALL" in retried, name


def _longest_wait_seconds(retrier: dict[str, Any]) -> float:
    """The most a retrier waits over all its attempts, before jitter shortens any wait."""
    interval = float(retrier.get("IntervalSeconds", 1))
    rate = float(retrier.get("BackoffRate", 2))
    ceiling = float(retrier.get("MaxDelaySeconds", "inf"))
    return sum(min(interval * rate**attempt, ceiling) for attempt in range(retrier["MaxAttempts"]))


def test_a_throttled_task_is_retried_for_minutes_with_jitter() -> None:
    # Given the workflow's Lambda tasks, whose functions have reserved concurrency that throttles
    tasks = _lambda_tasks(json.loads(render_definition(INGEST_WORKFLOW_FILE))["States"])

    # When the retrier each task applies to a throttled invocation is found (the first that
    # names the error, as Step Functions picks it)
    throttle_retriers = {
        name: next(
            retrier
            for retrier in task["Retry"]
            if {"Lambda.TooManyRequestsException", "States.ALL"} & set(retrier["ErrorEquals"])
        )
        for name, task in tasks.items()
    }

    # Then each waits out a busy minute or more, spread by jitter so that the throttled tasks
    # of a Map do not all come back at once
    for name, retrier in throttle_retriers.items():
        assert retrier["ErrorEquals"] == ["Lambda.TooManyRequestsException"], name
        assert _longest_wait_seconds(retrier) >= 180, name
        assert retrier["JitterStrategy"] == "FULL", name


def test_functions_get_the_timeouts_the_local_stack_enforces(synthesized: Synthesized) -> None:
    # Given the pipeline's and the chat's templates
    templates = [
        synthesized.template_json(synthesized.names.pipeline_stack),
        synthesized.template_json(synthesized.names.chat_stack),
    ]

    # When each function of the timeout table is looked up where it is deployed
    deployed = {
        function["Properties"]["Handler"]: function["Properties"]["Timeout"]
        for template in templates
        for function in resources_of_type(template, "AWS::Lambda::Function").values()
        if function["Properties"].get("Handler") in FUNCTION_TIMEOUT_SECONDS
    }

    # Then each runs with the timeout the local stack holds its handler to
    assert deployed == dict(FUNCTION_TIMEOUT_SECONDS)


def test_refresh_runs_daily_with_the_scheduled_time_as_its_as_of(
    synthesized: Synthesized,
) -> None:
    # Given the pipeline stack
    template = synthesized.template_json(synthesized.names.pipeline_stack)
    (machine_id,) = resources_of_type(template, "AWS::StepFunctions::StateMachine")

    # When its schedule is read
    (schedule,) = resources_of_type(template, "AWS::Scheduler::Schedule").values()

    # Then it starts the ingest machine once a day with a refresh input, never late
    properties = schedule["Properties"]
    assert properties["Name"] == synthesized.names.refresh_schedule
    assert properties["ScheduleExpression"] == "cron(0 3 * * ? *)"
    assert properties["ScheduleExpressionTimezone"] == "UTC"
    assert properties["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert properties["Target"]["Arn"] == {"Ref": machine_id}
    assert json.loads(properties["Target"]["Input"]) == {
        "refresh": {"as_of": "<aws.scheduler.scheduled-time>"}
    }


def test_a_refresh_that_cannot_start_is_retried_within_the_hour_then_dead_lettered(
    synthesized: Synthesized,
) -> None:
    # Given the pipeline stack and the queue named for the refresh's dead letters
    names = synthesized.names
    template = synthesized.template_json(names.pipeline_stack)
    queue_id = logical_id_where(
        template, "AWS::SQS::Queue", "QueueName", names.refresh_dead_letter_queue
    )

    # When its schedule's target is read
    (schedule,) = resources_of_type(template, "AWS::Scheduler::Schedule").values()
    target = schedule["Properties"]["Target"]

    # Then a failed start is retried three times within an hour, then sent to that queue
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 3600}
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [queue_id, "Arn"]}}
    # And the queue is encrypted, TLS only, and keeps a dead letter 14 days
    queue = template["Resources"][queue_id]["Properties"]
    assert queue["SqsManagedSseEnabled"] is True
    assert queue["MessageRetentionPeriod"] == 14 * 24 * 3600
    assert queue_id in tls_only_queues(template)


def test_code_asset_holds_the_application_packages_and_nothing_else(
    synthesized: Synthesized,
) -> None:
    # Given a function's code asset as staged in the assembly
    template = synthesized.template_json(synthesized.names.pipeline_stack)
    function_id = logical_id_where(
        template, "AWS::Lambda::Function", "Handler", Handler.FETCH_ARTISTS
    )
    code = template["Resources"][function_id]["Properties"]["Code"]
    asset = synthesized.staged_file(synthesized.names.pipeline_stack, code["S3Key"])

    # When its top level is listed
    entries = {entry.name for entry in asset.iterdir()}

    # Then it is the packages the handlers import plus the requirements, without caches
    assert entries == {"contracts", "domain", "adapters", "handlers", "requirements.txt"}
    assert (asset / "contracts" / "migrations" / "0001_initial.sql").is_file()
    assert (asset / "handlers" / "fetch_artists.py").is_file()
    assert not list(asset.rglob("__pycache__"))


def _retention_days(retention: logs.RetentionDays) -> int:
    """The days CloudFormation is told to keep a log group created with `retention`."""
    stack = Stack(App(), "Retention")
    logs.LogGroup(stack, "Logs", retention=retention)
    (group,) = Template.from_stack(stack).find_resources("AWS::Logs::LogGroup").values()
    days: int = group["Properties"]["RetentionInDays"]
    return days


def _rendered(value: object) -> str:
    """A substitution value as a comparable string: `<LogicalId.Arn>` for a GetAtt,
    `<LogicalId>` for a Ref, any other as JSON with single quotes (valid inside a string)."""
    if isinstance(value, dict) and set(value) == {"Fn::GetAtt"}:
        logical_id, attribute = value["Fn::GetAtt"]
        return f"<{logical_id}.{attribute}>"
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return f"<{value['Ref']}>"
    return json.dumps(value).replace('"', "'")
