"""Each role reaches exactly the resources its code touches, and nothing by wildcard but X-Ray
and log delivery."""

from __future__ import annotations

import pytest

from adapters.s3_lake import RAW_ARTISTS_PREFIX, TABLES_PREFIX
from domain.refresh import REFRESH_MANIFEST_PREFIX
from stacks.handler_function import NETWORK_INTERFACE_ACTIONS
from stacks.names import DATABASE_USER, Handler
from tests.infra.synthesis import Synthesized
from tests.infra.template_queries import (
    Grant,
    ResourceRef,
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

# Per handler: the app resources it may reach besides its own log group, and actions that must
# be among those allowed there (what its adapters call).
EXPECTED_REACH: dict[str, dict[str, frozenset[str]]] = {
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
    Handler.PLAN_REFRESH: {
        "refresh manifests": frozenset({"s3:PutObject"}),
        "database login": DATABASE_LOGIN,
    },
    Handler.NOTIFY_WAITERS: {
        "waiters table": frozenset({"dynamodb:Query", "dynamodb:DeleteItem"}),
        "application secret": SECRET_READ,
        "database login": DATABASE_LOGIN,
    },
    Handler.WEBHOOK: {
        "converse function": frozenset({"lambda:InvokeFunction"}),
        "application secret": SECRET_READ,
    },
    Handler.CONVERSE: {
        "waiters table": frozenset({"dynamodb:PutItem"}),
        "messages table": frozenset({"dynamodb:PutItem"}),
        "requests queue": frozenset({"sqs:SendMessage"}),
        "application secret": SECRET_READ,
        "database login": DATABASE_LOGIN,
    },
    Handler.MIGRATE_DATABASE: {
        "database login": DATABASE_LOGIN,
    },
}
CHAT_HANDLERS = (Handler.WEBHOOK, Handler.CONVERSE)


def app_resources(synthesized: Synthesized) -> dict[str, ResourceRef]:
    names = synthesized.names
    data = synthesized.template_json(names.data_stack)
    pipeline = synthesized.template_json(names.pipeline_stack)
    chat = synthesized.template_json(names.chat_stack)
    database = synthesized.template_json(names.database_stack)
    (proxy_id,) = resources_of_type(database, "AWS::RDS::DBProxy")
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
        "genres table": table(names.genres_table),
        "waiters table": table(names.waiters_table),
        "messages table": table(names.messages_table),
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
        "converse function": ResourceRef(
            names.chat_stack,
            logical_id_where(chat, "AWS::Lambda::Function", "Handler", Handler.CONVERSE),
        ),
        "application secret": ResourceRef(
            names.data_stack,
            logical_id_where(data, "AWS::SecretsManager::Secret", "Name", names.application_secret),
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
    # actions the handler needs
    wildcard = set().union(*(grant.actions for grant in grants if grant.resource == "*"))
    in_vpc = "database login" in expected
    assert wildcard == (TRACING | NETWORK_INTERFACE_ACTIONS if in_vpc else TRACING)
    assert {grant.actions for grant in grants if grant.resource == own_logs} == {LOG_WRITING}
    reached = {
        grant.resource: grant.actions for grant in grants if grant.resource not in ("*", own_logs)
    }
    assert set(reached) == {resources[name] for name in expected}
    for name, needed in expected.items():
        assert needed <= reached[resources[name]], name


@pytest.mark.parametrize("handler", CHAT_HANDLERS)
def test_chat_functions_only_write_to_tables_and_cannot_consume_the_queue(
    synthesized: Synthesized, handler: str
) -> None:
    # Given the role of a function facing Messenger users
    templates = synthesized.templates
    stack = synthesized.names.chat_stack
    role = role_of_function(templates[stack], handler)

    # When its grants are listed
    actions = set().union(*(grant.actions for grant in grants_of_role(stack, role, templates)))

    # Then it can neither read a table nor take messages off the queue
    assert not actions & TABLE_READS
    assert not actions & {"sqs:ReceiveMessage", "sqs:DeleteMessage"}


def test_state_machine_reaches_its_functions_dead_letters_manifests_and_nothing_else(
    synthesized: Synthesized,
) -> None:
    # Given the pipeline's state machine, its five functions and the app's resources
    templates = synthesized.templates
    names = synthesized.names
    stack = names.pipeline_stack
    template = templates[stack]
    (machine,) = resources_of_type(template, "AWS::StepFunctions::StateMachine").values()
    role_id = machine["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    functions = {
        ResourceRef(stack, logical_id_where(template, "AWS::Lambda::Function", "Handler", h))
        for h in (
            Handler.PLAN_BATCHES,
            Handler.FETCH_ARTISTS,
            Handler.RECOMPUTE_SIMILARITY,
            Handler.NOTIFY_WAITERS,
            Handler.PLAN_REFRESH,
        )
    }
    resources = app_resources(synthesized)
    machine_arn = (
        f"arn:aws:states:eu-west-1:<AWS::AccountId>:stateMachine:{names.ingest_state_machine}"
    )
    children = f"arn:aws:states:eu-west-1:<AWS::AccountId>:execution:{names.ingest_state_machine}/*"

    # When its role's grants are listed
    grants = grants_of_role(stack, role_id, templates)

    # Then it invokes exactly those functions, sends to the dead-letter queue, reads refresh
    # manifests, runs its own Distributed Map children, and its wildcard covers log delivery
    # and tracing
    invoked = {grant.resource for grant in grants if "lambda:InvokeFunction" in grant.actions}
    assert invoked == functions
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
        machine_arn: frozenset({"states:StartExecution"}),
        children: frozenset({"states:DescribeExecution", "states:StopExecution"}),
    }
    wildcard_actions = set().union(*(g.actions for g in grants if g.resource == "*"))
    assert {action.split(":")[0] for action in wildcard_actions} == {"logs", "xray"}


def test_pipe_consumes_the_requests_queue_and_starts_only_the_ingest_machine(
    synthesized: Synthesized,
) -> None:
    # Given the pipe
    templates = synthesized.templates
    stack = synthesized.names.pipeline_stack
    template = templates[stack]
    (pipe,) = resources_of_type(template, "AWS::Pipes::Pipe").values()
    role_id = pipe["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    queue = ResourceRef(
        stack,
        logical_id_where(
            template, "AWS::SQS::Queue", "QueueName", synthesized.names.requests_queue
        ),
    )
    (machine_id,) = resources_of_type(template, "AWS::StepFunctions::StateMachine")

    # When its role's grants are listed
    grants = grants_of_role(stack, role_id, templates)

    # Then it touches the queue and starts the state machine, nothing more
    assert {grant.resource for grant in grants} == {queue, ResourceRef(stack, machine_id)}
    assert Grant(frozenset({"states:StartExecution"}), ResourceRef(stack, machine_id)) in grants
    queue_actions = set().union(*(g.actions for g in grants if g.resource == queue))
    assert {"sqs:ReceiveMessage", "sqs:DeleteMessage"} <= queue_actions


def test_refresh_schedule_may_start_the_ingest_machine_and_nothing_else(
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

    # Then it may start executions of the ingest machine, nothing more
    assert grants == {Grant(frozenset({"states:StartExecution"}), ResourceRef(stack, machine_id))}
