"""Each role reaches exactly the resources its code touches, and nothing by wildcard but X-Ray
and log delivery."""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from typing import Any

import pytest

from adapters.s3_snapshots import snapshot_key
from contracts.lake import RAW_ARTISTS_PREFIX, SIMILARITY_SNAPSHOT_PREFIX, TABLES_PREFIX
from contracts.names import DATABASE_USER, Handler
from domain.refresh import REFRESH_MANIFEST_PREFIX
from stacks.handler_function import NETWORK_INTERFACE_ACTIONS
from stacks.workflow_definitions import INGEST_WORKFLOW_FILE, render_definition
from tests.infra.synthesis import Synthesized
from tests.infra.template_queries import (
    INGEST_HANDLERS,
    Grant,
    ResourceRef,
    Target,
    function_properties,
    grants_of_role,
    logical_id_where,
    resources_of_type,
    role_of_function,
)

TRACING = frozenset({"xray:PutTelemetryRecords", "xray:PutTraceSegments"})
LOG_WRITING = frozenset({"logs:CreateLogStream", "logs:PutLogEvents"})
TABLE_READS = frozenset({"dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"})
SECRET_READ = frozenset({"secretsmanager:GetSecretValue"})
DATABASE_LOGIN = frozenset({"rds-db:connect"})
PROXY_TARGETS_READ = frozenset({"rds:DescribeDBProxyTargets"})

# Per handler: the app resources it may reach besides its own log group, and actions that must
# be among those allowed there (what its adapters call).
EXPECTED_REACH: dict[str, dict[str, frozenset[str]]] = {
    # Searches Spotify, moves waiters from a lookup to its artist, queues refused lookups again
    # and tells users what Spotify does not have.
    Handler.RESOLVE_LOOKUPS: {
        "waiters table": frozenset({"dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem"}),
        "requests queue": frozenset({"sqs:SendMessage"}),
        "application secret": SECRET_READ,
    },
    Handler.PLAN_BATCHES: {},
    Handler.FETCH_ARTISTS: {
        "raw lake objects": frozenset({"s3:PutObject"}),
        "lake tables": frozenset({"s3:PutObject"}),
        "genres table": frozenset({"dynamodb:PutItem"}),
        "application secret": SECRET_READ,
        "database login": DATABASE_LOGIN,
    },
    Handler.RECOMPUTE_SIMILARITY: {
        "database login": DATABASE_LOGIN,
    },
    # Reads every waiter to find those whose window closed, and deletes them.
    Handler.GIVE_UP_STALE_WAITERS: {
        "waiters table": frozenset({"dynamodb:Scan", "dynamodb:DeleteItem"}),
    },
    Handler.PLAN_REFRESH: {
        "refresh manifests": frozenset({"s3:PutObject"}),
        "database login": DATABASE_LOGIN,
    },
    # A prepare that fails abandons its rebuild itself, deleting what it may have written.
    Handler.PREPARE_SIMILARITY_REBUILD: {
        "similarity snapshots": frozenset({"s3:PutObject", "s3:DeleteObject"}),
        "database login": DATABASE_LOGIN,
    },
    Handler.COMPUTE_SIMILARITY_SHARD: {
        "similarity snapshots": frozenset({"s3:GetObject"}),
        "database login": DATABASE_LOGIN,
    },
    Handler.FINISH_SIMILARITY_REBUILD: {
        "similarity snapshots": frozenset({"s3:DeleteObject"}),
        "database login": DATABASE_LOGIN,
    },
    Handler.ABANDON_SIMILARITY_REBUILD: {
        "similarity snapshots": frozenset({"s3:DeleteObject"}),
        "database login": DATABASE_LOGIN,
    },
    # Remembers each pushed answer, for "more like that" to follow.
    Handler.NOTIFY_WAITERS: {
        "waiters table": frozenset({"dynamodb:Query", "dynamodb:DeleteItem"}),
        "last answers table": frozenset({"dynamodb:PutItem"}),
        "application secret": SECRET_READ,
        "database login": DATABASE_LOGIN,
    },
    Handler.WEBHOOK: {
        "converse function": frozenset({"lambda:InvokeFunction"}),
        "application secret": SECRET_READ,
        "generated secret": SECRET_READ,
    },
    Handler.CONVERSE: {
        "waiters table": frozenset({"dynamodb:PutItem"}),
        "messages table": frozenset({"dynamodb:PutItem"}),
        "last answers table": frozenset({"dynamodb:GetItem", "dynamodb:PutItem"}),
        "requests queue": frozenset({"sqs:SendMessage"}),
        # Lambda sends the invocations that failed every try with the function's own role.
        "converse failures queue": frozenset({"sqs:SendMessage"}),
        "application secret": SECRET_READ,
        "database login": DATABASE_LOGIN,
    },
    # It waits for the proxy's target, which IAM authorizes against all three.
    Handler.MIGRATE_DATABASE: {
        "database login": DATABASE_LOGIN,
        "database proxy": PROXY_TARGETS_READ,
        "proxy target group": PROXY_TARGETS_READ,
        "database instance": PROXY_TARGETS_READ,
    },
}
CHAT_HANDLERS = (Handler.WEBHOOK, Handler.CONVERSE)
# Resources whose actions are granted one by one, through the lake's prefix policies and the
# migration's read of the proxy's targets: there a function must get exactly the actions its
# handler calls, not merely include them.
EXACT_ACTIONS = frozenset(
    {
        "raw lake objects",
        "lake tables",
        "refresh manifests",
        "similarity snapshots",
        "last answers table",
        "database proxy",
        "proxy target group",
        "database instance",
    }
)


def _refresh_results_prefix() -> str:
    """The Prefix of the refresh Map's ResultWriter in the ingest workflow."""
    states = json.loads(render_definition(INGEST_WORKFLOW_FILE))["States"]
    prefix: str = states["RefreshArtists"]["ResultWriter"]["Parameters"]["Prefix"]
    return prefix


def app_resources(synthesized: Synthesized) -> dict[str, ResourceRef]:
    names = synthesized.names
    data = synthesized.template_json(names.data_stack)
    pipeline = synthesized.template_json(names.pipeline_stack)
    chat = synthesized.template_json(names.chat_stack)
    database = synthesized.template_json(names.database_stack)
    (proxy_id,) = resources_of_type(database, "AWS::RDS::DBProxy")
    (target_group_id,) = resources_of_type(database, "AWS::RDS::DBProxyTargetGroup")
    (instance_id,) = resources_of_type(database, "AWS::RDS::DBInstance")
    (lake_id,) = [
        logical_id
        for logical_id, bucket in resources_of_type(data, "AWS::S3::Bucket").items()
        if "VersioningConfiguration" in bucket["Properties"]
    ]

    def table(name: str) -> ResourceRef:
        return ResourceRef(
            names.data_stack, logical_id_where(data, "AWS::DynamoDB::Table", "TableName", name)
        )

    return {
        "raw lake objects": ResourceRef(names.data_stack, lake_id, f"/{RAW_ARTISTS_PREFIX}/*"),
        "lake tables": ResourceRef(names.data_stack, lake_id, f"/{TABLES_PREFIX}/*"),
        "refresh manifests": ResourceRef(
            names.data_stack, lake_id, f"/{REFRESH_MANIFEST_PREFIX}/*"
        ),
        # Where the adapter keeps snapshots, whatever the stacks think the prefix is.
        "similarity snapshots": ResourceRef(
            names.data_stack, lake_id, f"/{SIMILARITY_SNAPSHOT_PREFIX}/*"
        ),
        # Where the workflow writes the refresh's Map results, whatever the stacks think.
        "refresh results": ResourceRef(
            names.data_stack, lake_id, f"/{_refresh_results_prefix()}/*"
        ),
        "genres table": table(names.genres_table),
        "waiters table": table(names.waiters_table),
        "messages table": table(names.messages_table),
        "last answers table": table(names.last_answers_table),
        "requests queue": ResourceRef(
            names.pipeline_stack,
            logical_id_where(pipeline, "AWS::SQS::Queue", "QueueName", names.requests_queue),
        ),
        "dead-letter queue": ResourceRef(
            names.pipeline_stack,
            logical_id_where(
                pipeline, "AWS::SQS::Queue", "QueueName", names.requests_dead_letter_queue
            ),
        ),
        "refresh dead-letter queue": ResourceRef(
            names.pipeline_stack,
            logical_id_where(
                pipeline, "AWS::SQS::Queue", "QueueName", names.refresh_dead_letter_queue
            ),
        ),
        "converse function": ResourceRef(
            names.chat_stack,
            logical_id_where(chat, "AWS::Lambda::Function", "Handler", Handler.CONVERSE),
        ),
        "converse failures queue": ResourceRef(
            names.chat_stack,
            logical_id_where(chat, "AWS::SQS::Queue", "QueueName", names.converse_failures_queue),
        ),
        "pipe logs": ResourceRef(
            names.pipeline_stack,
            logical_id_where(
                pipeline, "AWS::Logs::LogGroup", "LogGroupName", names.requests_pipe_log_group
            ),
        ),
        "application secret": ResourceRef(
            names.data_stack,
            logical_id_where(data, "AWS::SecretsManager::Secret", "Name", names.application_secret),
        ),
        "generated secret": ResourceRef(
            names.data_stack,
            logical_id_where(data, "AWS::SecretsManager::Secret", "Name", names.generated_secret),
        ),
        "database proxy": ResourceRef(names.database_stack, proxy_id),
        "proxy target group": ResourceRef(names.database_stack, target_group_id),
        "database instance": ResourceRef(
            names.database_stack, instance_id, "arn:aws:rds:eu-west-1:<AWS::AccountId>:db:<ref>"
        ),
        # The owner's login through the proxy, and no other user's.
        "database login": ResourceRef(
            names.database_stack,
            proxy_id,
            f"arn:aws:rds-db:eu-west-1:<AWS::AccountId>:dbuser:<ref>/{DATABASE_USER}",
        ),
    }


@pytest.mark.parametrize("handler", sorted(EXPECTED_REACH))
def test_each_function_reaches_only_what_its_handler_uses(
    synthesized: Synthesized, handler: str
) -> None:
    # Given the function's role and what the app defines
    templates = synthesized.templates
    stack = synthesized.stack_of_handler(handler)
    template = templates[stack]
    own_logs = ResourceRef(
        stack, function_properties(template, handler)["LoggingConfig"]["LogGroup"]["Ref"]
    )
    resources = app_resources(synthesized)
    expected = EXPECTED_REACH[handler]

    # When every statement of its policies is resolved to the resource it names
    grants = grants_of_role(stack, role_of_function(template, handler), templates)

    # Then wildcards serve tracing, and the network interfaces of a function in the VPC, only;
    # logs go to its own group; and the rest is exactly the expected resources with the
    # actions the handler needs (exactly those, on the lake's prefixes)
    wildcard = set().union(*(grant.actions for grant in grants if grant.resource == "*"))
    in_vpc = "database login" in expected
    assert wildcard == (TRACING | NETWORK_INTERFACE_ACTIONS if in_vpc else TRACING)
    assert {grant.actions for grant in grants if grant.resource == own_logs} == {LOG_WRITING}
    reached: dict[Target, frozenset[str]] = {}
    for grant in grants:
        if grant.resource not in ("*", own_logs):
            reached[grant.resource] = reached.get(grant.resource, frozenset()) | grant.actions
    assert set(reached) == {resources[name] for name in expected}
    for name, needed in expected.items():
        if name in EXACT_ACTIONS:
            assert reached[resources[name]] == needed, name
        else:
            assert needed <= reached[resources[name]], name


def test_stacks_grant_on_the_prefix_the_snapshot_adapter_uses() -> None:
    # Given the prefix the stacks scope the snapshot policies to
    granted = SIMILARITY_SNAPSHOT_PREFIX

    # When a key the adapter writes, reads and deletes a snapshot under is made
    used = snapshot_key(7)

    # Then it lies under the granted prefix
    assert used.startswith(f"{granted}/")


@pytest.mark.parametrize("handler", CHAT_HANDLERS)
def test_chat_functions_read_no_table_but_last_answers_and_cannot_consume_the_queue(
    synthesized: Synthesized, handler: str
) -> None:
    # Given the role of a function facing Messenger users
    templates = synthesized.templates
    stack = synthesized.names.chat_stack
    role = role_of_function(templates[stack], handler)
    last_answers = app_resources(synthesized)["last answers table"]

    # When its grants are listed
    grants = grants_of_role(stack, role, templates)
    actions = set().union(*(grant.actions for grant in grants))

    # Then it reads no table but the last answers, one item at a time, and takes no
    # messages off the queue
    assert {grant.resource for grant in grants if grant.actions & TABLE_READS} <= {last_answers}
    assert not actions & (TABLE_READS - {"dynamodb:GetItem"})
    assert not actions & {"sqs:ReceiveMessage", "sqs:DeleteMessage"}


def test_state_machine_reaches_its_functions_dead_letters_manifests_results_and_nothing_else(
    synthesized: Synthesized,
) -> None:
    # Given the pipeline's state machine, its eleven functions and the app's resources
    templates = synthesized.templates
    names = synthesized.names
    stack = names.pipeline_stack
    template = templates[stack]
    (machine,) = resources_of_type(template, "AWS::StepFunctions::StateMachine").values()
    role_id = machine["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    functions = {
        ResourceRef(stack, logical_id_where(template, "AWS::Lambda::Function", "Handler", h))
        for h in INGEST_HANDLERS
    }
    resources = app_resources(synthesized)
    machine_arn = (
        f"arn:aws:states:eu-west-1:<AWS::AccountId>:stateMachine:{names.ingest_state_machine}"
    )
    children = f"arn:aws:states:eu-west-1:<AWS::AccountId>:execution:{names.ingest_state_machine}/*"

    # When its role's grants are listed
    grants = grants_of_role(stack, role_id, templates)

    # Then it invokes exactly those functions, which are all of the stack's functions, sends to
    # the dead-letter queue, reads refresh manifests, writes the refresh's Map results (in parts,
    # as Step Functions uploads them), runs and redrives its own Distributed Map children, and
    # its wildcard covers log delivery and tracing
    invoked = {grant.resource for grant in grants if "lambda:InvokeFunction" in grant.actions}
    assert invoked == functions
    assert functions == {
        ResourceRef(stack, function_id)
        for function_id in resources_of_type(template, "AWS::Lambda::Function")
    }
    assert all(
        grant.actions == {"lambda:InvokeFunction"}
        for grant in grants
        if grant.resource in functions
    )
    reached = {
        grant.resource: grant.actions
        for grant in grants
        if grant.resource != "*" and grant.resource not in functions
    }
    assert reached == {
        resources["dead-letter queue"]: frozenset(
            {"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}
        ),
        resources["refresh manifests"]: frozenset({"s3:GetObject"}),
        resources["refresh results"]: frozenset(
            {
                "s3:PutObject",
                "s3:GetObject",
                "s3:ListMultipartUploadParts",
                "s3:AbortMultipartUpload",
            }
        ),
        machine_arn: frozenset({"states:StartExecution"}),
        children: frozenset(
            {"states:DescribeExecution", "states:StopExecution", "states:RedriveExecution"}
        ),
    }
    wildcard_actions = set().union(*(g.actions for g in grants if g.resource == "*"))
    assert {action.split(":")[0] for action in wildcard_actions} == {"logs", "xray"}


def test_pipe_consumes_the_requests_queue_starts_only_the_ingest_machine_and_logs(
    synthesized: Synthesized,
) -> None:
    # Given the pipe and the app's resources
    templates = synthesized.templates
    stack = synthesized.names.pipeline_stack
    template = templates[stack]
    (pipe,) = resources_of_type(template, "AWS::Pipes::Pipe").values()
    role_id = pipe["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    resources = app_resources(synthesized)
    queue = resources["requests queue"]
    (machine_id,) = resources_of_type(template, "AWS::StepFunctions::StateMachine")

    # When its role's grants are listed
    grants = grants_of_role(stack, role_id, templates)

    # Then it touches the queue, starts the state machine and writes its own log group, nothing
    # more
    assert {grant.resource for grant in grants} == {
        queue,
        ResourceRef(stack, machine_id),
        resources["pipe logs"],
    }
    assert Grant(frozenset({"states:StartExecution"}), ResourceRef(stack, machine_id)) in grants
    assert Grant(LOG_WRITING, resources["pipe logs"]) in grants
    queue_actions = set().union(*(g.actions for g in grants if g.resource == queue))
    assert {"sqs:ReceiveMessage", "sqs:DeleteMessage"} <= queue_actions


def test_refresh_schedule_may_start_the_ingest_machine_and_dead_letter_and_nothing_else(
    synthesized: Synthesized,
) -> None:
    # Given the daily refresh schedule
    templates = synthesized.templates
    stack = synthesized.names.pipeline_stack
    template = templates[stack]
    (schedule,) = resources_of_type(template, "AWS::Scheduler::Schedule").values()
    role_id = schedule["Properties"]["Target"]["RoleArn"]["Fn::GetAtt"][0]
    (machine_id,) = resources_of_type(template, "AWS::StepFunctions::StateMachine")

    # When its role's grants are listed
    grants = grants_of_role(stack, role_id, templates)

    # Then it may start executions of the ingest machine and send to its own dead-letter queue
    # (Scheduler sends dead letters with the schedule's role), nothing more
    assert grants == {
        Grant(frozenset({"states:StartExecution"}), ResourceRef(stack, machine_id)),
        Grant(
            frozenset({"sqs:SendMessage"}),
            app_resources(synthesized)["refresh dead-letter queue"],
        ),
    }


def _distributed_maps(states: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every Distributed Map state, at any depth, by state name."""
    found: dict[str, dict[str, Any]] = {}
    for name, state in states.items():
        processor = state.get("ItemProcessor", {})
        if processor.get("ProcessorConfig", {}).get("Mode") == "DISTRIBUTED":
            found[name] = state
        found |= _distributed_maps(processor.get("States", {}))
    return found


def _allows(grants: set[Grant], action: str, arn: str) -> bool:
    """Whether a grant's resource pattern, read as IAM reads `*`, covers `arn` for `action`."""
    return any(
        action in grant.actions
        and isinstance(grant.resource, str)
        and fnmatchcase(arn, grant.resource)
        for grant in grants
    )


def test_state_machine_may_run_the_children_of_each_of_its_distributed_maps(
    synthesized: Synthesized,
) -> None:
    # Given the workflow's Distributed Maps and the state machine's role
    templates = synthesized.templates
    names = synthesized.names
    stack = names.pipeline_stack
    (machine,) = resources_of_type(templates[stack], "AWS::StepFunctions::StateMachine").values()
    grants = grants_of_role(stack, machine["Properties"]["RoleArn"]["Fn::GetAtt"][0], templates)
    maps = _distributed_maps(json.loads(render_definition(INGEST_WORKFLOW_FILE))["States"])
    prefix = "arn:aws:states:eu-west-1:<AWS::AccountId>"

    # When each Map's child execution ARN (the machine, the Map Run's label, an ID) is built
    children = {
        name: f"{prefix}:execution:{names.ingest_state_machine}/{state.get('Label', name)}:0b5e"
        for name, state in maps.items()
    }

    # Then both the refresh's and the rebuild's Maps are covered: the role may start the
    # machine's executions, describe and stop each child, and redrive it when the execution
    # that ran its Map Run is redriven
    assert set(maps) == {"RefreshArtists", "ComputeSimilarityShards"}
    machine_arn = f"{prefix}:stateMachine:{names.ingest_state_machine}"
    assert _allows(grants, "states:StartExecution", machine_arn)
    for name, child in children.items():
        assert _allows(grants, "states:DescribeExecution", child), name
        assert _allows(grants, "states:StopExecution", child), name
        assert _allows(grants, "states:RedriveExecution", child), name
