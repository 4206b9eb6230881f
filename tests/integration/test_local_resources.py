"""The local stack's tables and queues are the deployed ones: the same keys, the same expiring
attribute, the same redrive, read back from moto and from the synthesized templates."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from contracts.names import ResourceNames
from local.aws import LOCAL_STAGE
from local.stack import LocalStack
from tests.infra.synthesis import Synthesized

TABLES = ("genres_table", "waiters_table", "messages_table", "last_answers_table")
QUEUES = ("requests_queue", "requests_dead_letter_queue", "converse_failures_queue")

# A table as both sides can say it: its key (attribute, key type, attribute type), then the
# attribute it expires by.
TableShape = tuple[tuple[tuple[str, str, str], ...], str | None]
# A queue: visibility timeout and retention in seconds, then the queue it redrives to (by its
# place in ResourceNames) and after how many receives.
QueueShape = tuple[int, int, tuple[str, int] | None]


def _template_resources(synthesized: Synthesized, kind: str) -> dict[str, Mapping[str, Any]]:
    return {
        logical_id: resource
        for template in synthesized.templates.values()
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == kind
    }


def _named(resources: Mapping[str, Mapping[str, Any]], key: str, name: str) -> Mapping[str, Any]:
    properties: list[Mapping[str, Any]] = [
        r["Properties"] for r in resources.values() if r["Properties"][key] == name
    ]
    [named] = properties
    return named


def _key(table: Mapping[str, Any]) -> tuple[tuple[str, str, str], ...]:
    """The key schema with each attribute's type; a template and DescribeTable say it alike."""
    types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
    return tuple(
        (k["AttributeName"], k["KeyType"], types[k["AttributeName"]]) for k in table["KeySchema"]
    )


def _deployed_tables(synthesized: Synthesized) -> dict[str, TableShape]:
    tables = _template_resources(synthesized, "AWS::DynamoDB::Table")
    shapes: dict[str, TableShape] = {}
    for role in TABLES:
        table = _named(tables, "TableName", getattr(synthesized.names, role))
        expiring = table.get("TimeToLiveSpecification", {})
        shapes[role] = (_key(table), expiring["AttributeName"] if expiring.get("Enabled") else None)
    return shapes


def _local_tables(stack: LocalStack) -> dict[str, TableShape]:
    dynamodb = stack.aws.client("dynamodb")
    shapes: dict[str, TableShape] = {}
    for role in TABLES:
        name = getattr(LOCAL_STAGE, role)
        table = dynamodb.describe_table(TableName=name)["Table"]
        expiring = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        enabled = expiring["TimeToLiveStatus"] == "ENABLED"
        shapes[role] = (_key(table), expiring["AttributeName"] if enabled else None)
    return shapes


def _role_of_queue(names: ResourceNames, queue_name: str) -> str:
    [role] = [role for role in QUEUES if getattr(names, role) == queue_name]
    return role


def _deployed_queues(synthesized: Synthesized) -> dict[str, QueueShape]:
    queues = _template_resources(synthesized, "AWS::SQS::Queue")
    shapes: dict[str, QueueShape] = {}
    for role in QUEUES:
        queue = _named(queues, "QueueName", getattr(synthesized.names, role))
        redrive = None
        if "RedrivePolicy" in queue:
            policy = queue["RedrivePolicy"]
            [target_id, _] = policy["deadLetterTargetArn"]["Fn::GetAtt"]
            target = _role_of_queue(synthesized.names, queues[target_id]["Properties"]["QueueName"])
            redrive = (target, int(policy["maxReceiveCount"]))
        shapes[role] = (
            int(queue["VisibilityTimeout"]),
            int(queue["MessageRetentionPeriod"]),
            redrive,
        )
    return shapes


def _local_queues(stack: LocalStack) -> dict[str, QueueShape]:
    sqs = stack.aws.client("sqs")
    shapes: dict[str, QueueShape] = {}
    for role in QUEUES:
        url = sqs.get_queue_url(QueueName=getattr(LOCAL_STAGE, role))["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        redrive = None
        if "RedrivePolicy" in attributes:
            policy = json.loads(attributes["RedrivePolicy"])
            target_name = policy["deadLetterTargetArn"].rsplit(":", 1)[-1]
            redrive = (_role_of_queue(LOCAL_STAGE, target_name), int(policy["maxReceiveCount"]))
        shapes[role] = (
            int(attributes["VisibilityTimeout"]),
            int(attributes["MessageRetentionPeriod"]),
            redrive,
        )
    return shapes


def test_local_tables_have_the_deployed_keys_and_expiry(
    synthesized: Synthesized, local_stack: LocalStack
) -> None:
    # Given the synthesized app and the running local stack
    # When each table's key schema and time-to-live attribute are read from both
    deployed, local = _deployed_tables(synthesized), _local_tables(local_stack)

    # Then they are the same, table by table, and every key is a string
    assert local == deployed
    assert deployed["waiters_table"] == (
        (("artist_id", "HASH", "S"), ("user_id", "RANGE", "S")),
        "expires_at",
    )


def test_local_queues_redrive_and_keep_messages_as_the_deployed_ones(
    synthesized: Synthesized, local_stack: LocalStack
) -> None:
    # Given the synthesized app and the running local stack
    # When each queue's visibility, retention and redrive policy are read from both
    deployed, local = _deployed_queues(synthesized), _local_queues(local_stack)

    # Then they are the same, queue by queue: requests move to their dead-letter queue after
    # the same number of receives, and dead letters are kept two weeks
    assert local == deployed
    assert deployed["requests_queue"][2] == ("requests_dead_letter_queue", 5)
    assert deployed["converse_failures_queue"][1] == 14 * 24 * 3600
