"""The environment every function starts with (handlers/settings.py reads all of it)."""

from __future__ import annotations

from aws_cdk import SecretValue
from aws_cdk import aws_sqs as sqs

from stacks.data_stack import DataStack
from stacks.names import SECRET_FIELDS, EnvironmentVariable, Handler, ResourceNames
from stacks.stage_config import StageConfig


def function_environment(
    *, config: StageConfig, data: DataStack, requests_queue: sqs.IQueue
) -> dict[str, str]:
    return {
        # The RDS work replaces this context value with the proxy endpoint and its secret.
        EnvironmentVariable.DATABASE_URL: config.database_url,
        EnvironmentVariable.LAKE_BUCKET: data.lake_bucket.bucket_name,
        EnvironmentVariable.GENRES_TABLE: data.genres_table.table_name,
        EnvironmentVariable.WAITERS_TABLE: data.waiters_table.table_name,
        EnvironmentVariable.MESSAGES_TABLE: data.messages_table.table_name,
        EnvironmentVariable.REQUESTS_QUEUE_URL: requests_queue.queue_url,
        # By name, not reference: the converse function's own environment names it too.
        EnvironmentVariable.CONVERSE_FUNCTION: ResourceNames(config.name).function(
            Handler.CONVERSE
        ),
        **application_secret_references(config.application_secret_name),
    }


def application_secret_references(secret_name: str) -> dict[str, str]:
    """Secrets Manager dynamic references, one per secret variable.

    The template holds only `{{resolve:secretsmanager:...}}`; CloudFormation resolves it at
    deploy time, so the values never enter the template or the cloud assembly. They do land in
    the functions' configuration: the next step is to pass the secret's ARN instead and read it
    at cold start (with secretsmanager:GetSecretValue granted per function), which this function
    is the one place to change.
    """
    return {
        variable: SecretValue.secrets_manager(secret_name, json_field=field).unsafe_unwrap()
        for variable, field in SECRET_FIELDS.items()
    }
