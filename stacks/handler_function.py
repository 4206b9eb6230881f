"""One Lambda function running one handler of the shared code asset, with its own role and logs."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.lambda_code import ARCHITECTURE, RUNTIME
from stacks.names import ResourceNames
from stacks.stage_config import StageConfig


class HandlerFunction(Construct):
    """A function whose role starts empty: callers grant exactly what the handler touches.

    The role starts without managed policies: it may write its own log group and send traces,
    and nothing else until granted.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        handler: str,
        function_name: str,
        description: str,
        code: lambda_.Code,
        environment: Mapping[str, str],
        memory_size: int,
        timeout: Duration,
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/lambda/{function_name}",
            retention=log_retention,
            removal_policy=removal_policy,
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Runs {handler}",
        )
        self.log_group.grant_write(self.role)
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=function_name,
            description=description,
            code=code,
            handler=handler,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            role=self.role,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            environment=dict(environment),
            memory_size=memory_size,
            timeout=timeout,
            tracing=lambda_.Tracing.ACTIVE,
        )
        trace_policy = self.role.node.find_child("DefaultPolicy")
        Validations.of(trace_policy).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason="xray:PutTraceSegments and xray:PutTelemetryRecords accept no resource "
                "narrower than '*'",
            )
        )


def stage_function(
    scope: Construct,
    construct_id: str,
    *,
    config: StageConfig,
    code: lambda_.Code,
    environment: Mapping[str, str],
    handler: str,
    description: str,
    memory_size: int,
    timeout: Duration,
) -> HandlerFunction:
    """A HandlerFunction named and configured as the stage says."""
    return HandlerFunction(
        scope,
        construct_id,
        handler=handler,
        function_name=ResourceNames(config.name).function(handler),
        description=description,
        code=code,
        environment=environment,
        memory_size=memory_size,
        timeout=timeout,
        log_retention=config.log_retention,
        removal_policy=RemovalPolicy.DESTROY,
    )
