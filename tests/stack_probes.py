"""Reading back what the local stack stored, for assertions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

import psycopg2
import pytest
import requests
from psycopg2 import sql

from local import cli
from local.aws import ACCOUNT, LOCAL_STAGE, REGION
from local.operations import Operations, StackAddresses
from local.stack import LocalStack
from tests.fixtures.postgres import ARTIST_TABLES


def table_rows(stack: LocalStack, table: str) -> list[tuple[Any, ...]]:
    """Every row of a table, in a stable order (pgvector values arrive as text)."""
    query = sql.SQL("SELECT * FROM {} ORDER BY 1, 2").format(sql.Identifier(table))
    with (
        closing(psycopg2.connect(stack.endpoints.database_url)) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute(query)
        return list(cursor.fetchall())


def snapshot_tables(stack: LocalStack) -> dict[str, list[tuple[Any, ...]]]:
    return {table: table_rows(stack, table) for table in ARTIST_TABLES}


def lake_objects(stack: LocalStack) -> dict[str, bytes]:
    s3 = stack.aws.client("s3")
    bucket = stack.resources.lake_bucket
    objects: dict[str, bytes] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            objects[item["Key"]] = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
    return objects


def item_count(stack: LocalStack, table: str) -> int:
    return int(stack.aws.client("dynamodb").scan(TableName=table, Select="COUNT")["Count"])


def execution_count(stack: LocalStack) -> int:
    client = stack.aws.client("stepfunctions")
    arn = stack.resources.ingest_state_machine_arn
    return len(client.list_executions(stateMachineArn=arn)["executions"])


def queue_depth(stack: LocalStack) -> int:
    attributes = stack.aws.client("sqs").get_queue_attributes(
        QueueUrl=stack.resources.requests_queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(value) for value in attributes.values())


# What Meta sends to be echoed when it verifies a subscription.
SUBSCRIPTION_CHALLENGE = "1158201444"


def verify_subscription(stack: LocalStack) -> requests.Response:
    """The webhook's answer to Meta verifying the subscription with the stack's own token."""
    return requests.get(
        stack.endpoints.webhook_url,
        params={
            "hub.mode": "subscribe",
            "hub.verify_token": stack.endpoints.verify_token,
            "hub.challenge": SUBSCRIPTION_CHALLENGE,
        },
        timeout=10,
    )


# When the queued requests of the ingest tests were made: the day of their lake partition.
REQUESTED_AT = "2026-11-27T10:00:00+00:00"


def dead_letter_after_an_outage(stack: LocalStack, artist_id: str) -> None:
    """Put this artist's request on the dead-letter queue, as the workflow does when Spotify
    keeps failing its batch."""
    stack.aws.client("sqs").send_message(
        QueueUrl=stack.resources.dead_letter_queue_url,
        MessageBody=json.dumps(
            {
                "artist_id": artist_id,
                "requested_at": REQUESTED_AT,
                "error": "SpotifyUnavailableError",
                "cause": "Spotify failed the artists request (HTTP 503)",
            }
        ),
    )


def start_requested_ingest(stack: LocalStack, name: str, artist_ids: Sequence[str]) -> str:
    """Start the ingest workflow as the pipe would for these queued requests; its ARN."""
    requests = [{"artist_id": i, "requested_at": REQUESTED_AT} for i in artist_ids]
    execution_arn: str = stack.aws.client("stepfunctions").start_execution(
        stateMachineArn=stack.resources.ingest_state_machine_arn,
        name=name,
        input=pipe_input(stack, requests),
    )["executionArn"]
    return execution_arn


def pipe_input(stack: LocalStack, requests: list[dict[str, str]]) -> str:
    """An execution input shaped as the pipe delivers a batch of queue messages."""
    return json.dumps(
        [
            {
                "messageId": f"message-{index}",
                "receiptHandle": f"handle-{index}",
                "body": json.dumps(request),
                "attributes": {},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{LOCAL_STAGE.requests_queue}",
                "awsRegion": REGION,
            }
            for index, request in enumerate(requests)
        ]
    )


def similarity_lists(stack: LocalStack) -> dict[str, list[str]]:
    """Every list of the serving generation, by artist, closest first."""
    serving = {row[0] for row in table_rows(stack, "similarity_generations") if row[1] == "serving"}
    lists: dict[str, list[tuple[int, str]]] = {}
    for generation, artist_id, similar_id, rank, _ in table_rows(stack, "artist_similarity"):
        if generation in serving:
            lists.setdefault(artist_id, []).append((rank, similar_id))
    return {artist_id: [s for _, s in sorted(found)] for artist_id, found in lists.items()}


def stack_operations(stack: LocalStack) -> Operations:
    """What an operator's commands do, pointed at this stack."""
    return Operations.connect(StackAddresses.published(stack.endpoints))


def sixpotify(state_dir: Path, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """What `sixpotify --state-dir state_dir ARGS...` prints, once it has exited 0."""
    assert cli.main(["--state-dir", str(state_dir), *args]) == 0
    return capsys.readouterr().out
