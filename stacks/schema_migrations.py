"""Applies the shipped schema migrations on every deployment that changes them."""

from __future__ import annotations

import hashlib
from typing import Final

from aws_cdk import CustomResource, Duration
from constructs import Construct

from contracts.database import (
    CONNECT_TIMEOUT_SECONDS,
    PROXY_TARGET_WAIT_SECONDS,
    PROXY_WARM_UP_ATTEMPTS,
    PROXY_WARM_UP_WAIT_SECONDS,
    shipped_migrations,
)
from stacks.handler_function import HandlerFunction

SCHEMA_RESOURCE_TYPE = "Custom::SchemaMigrations"

# The longest the migration function may spend before it migrates: waiting for the proxy's
# target (600 s), then opening its first connection (6 tries of up to 5 s, 10 s apart: 80 s).
READY_WITHIN_SECONDS: Final = int(
    PROXY_TARGET_WAIT_SECONDS
    + PROXY_WARM_UP_ATTEMPTS * CONNECT_TIMEOUT_SECONDS
    + (PROXY_WARM_UP_ATTEMPTS - 1) * PROXY_WARM_UP_WAIT_SECONDS
)
# What is left of Lambda's 15-minute ceiling for the migrations themselves, less a minute kept
# for CloudFormation's wait below: 840 - 680 = 160 s, where today's migrations take seconds.
MIGRATOR_TIMEOUT: Final = Duration.minutes(14)
# How long CloudFormation waits for an answer, instead of its default hour: the function's
# timeout, and a minute for a last answer (or Lambda's report of a timeout) to arrive.
SERVICE_TIMEOUT: Final = Duration.minutes(15)


def migrations_digest() -> str:
    """Changes whenever a migration is added or edited, and so makes CloudFormation update
    the resource, which re-runs the (idempotent) migrator."""
    digest = hashlib.sha256()
    for migration in shipped_migrations():
        digest.update(migration.version.encode())
        digest.update(migration.sql.encode())
    return digest.hexdigest()


class SchemaMigrations(Construct):
    """A custom resource served directly by the migration function (no provider framework):
    the function answers CloudFormation itself, so a failed migration fails the deployment."""

    def __init__(self, scope: Construct, construct_id: str, *, migrator: HandlerFunction) -> None:
        super().__init__(scope, construct_id)
        self.resource = CustomResource(
            self,
            "Schema",
            service_token=migrator.function.function_arn,
            resource_type=SCHEMA_RESOURCE_TYPE,
            properties={"MigrationsDigest": migrations_digest()},
            # A function that dies without answering should not hold the stack for an hour.
            service_timeout=SERVICE_TIMEOUT,
        )
