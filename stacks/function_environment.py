"""The environment every function starts with (handlers/settings.py reads all of it).

It names where things are, never a secret: the application and generated secrets by ARN, read
at cold start, and PostgreSQL by proxy endpoint and user, logged into with an IAM token.
"""

from __future__ import annotations

from aws_cdk import aws_sqs as sqs

from contracts.names import (
    DATABASE_NAME,
    DATABASE_USER,
    EnvironmentVariable,
    Handler,
    ResourceNames,
)
from stacks.data_stack import DataStack
from stacks.postgres_database import POSTGRES_PORT
from stacks.stage_config import StageConfig


def database_environment(proxy_endpoint: str) -> dict[str, str]:
    return {
        EnvironmentVariable.DATABASE_HOST: proxy_endpoint,
        EnvironmentVariable.DATABASE_PORT: str(POSTGRES_PORT),
        EnvironmentVariable.DATABASE_NAME: DATABASE_NAME,
        EnvironmentVariable.DATABASE_USER: DATABASE_USER,
    }


def function_environment(
    *,
    config: StageConfig,
    data: DataStack,
    proxy_endpoint: str,
    requests_queue: sqs.IQueue,
) -> dict[str, str]:
    return {
        **database_environment(proxy_endpoint),
        EnvironmentVariable.APPLICATION_SECRET: data.application_secret.secret_arn,
        EnvironmentVariable.GENERATED_SECRET: data.generated_secret.secret_arn,
        EnvironmentVariable.LAKE_BUCKET: data.lake_bucket.bucket_name,
        EnvironmentVariable.GENRES_TABLE: data.genres_table.table_name,
        EnvironmentVariable.WAITERS_TABLE: data.waiters_table.table_name,
        EnvironmentVariable.MESSAGES_TABLE: data.messages_table.table_name,
        EnvironmentVariable.LAST_ANSWERS_TABLE: data.last_answers_table.table_name,
        EnvironmentVariable.REQUESTS_QUEUE_URL: requests_queue.queue_url,
        EnvironmentVariable.METRIC_NAMESPACE: ResourceNames(config.name).metric_namespace,
        # By name, not reference: the converse function's own environment names it too.
        EnvironmentVariable.CONVERSE_FUNCTION: ResourceNames(config.name).function(
            Handler.CONVERSE
        ),
    }
