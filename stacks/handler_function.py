"""One Lambda function running one handler of its stack's code, with its own role and logs."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from contracts.names import ResourceNames
from stacks.lambda_code import ARCHITECTURE, RUNTIME, FunctionCode
from stacks.postgres_database import PostgresDatabase
from stacks.stage_config import StageConfig
from stacks.vpc_placement import VpcPlacement

NETWORK_INTERFACE_ACTIONS = frozenset(
    {
        "ec2:CreateNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSubnets",
        "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
    }
)


class HandlerFunction(Construct):
    """A function whose role starts empty: callers grant exactly what the handler touches.

    The role starts without managed policies: it may write its own log group, send traces and,
    when placed in a VPC, manage its network interfaces; nothing else until granted.
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
        placement: VpcPlacement | None = None,
        reserved_concurrency: int | None = None,
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
        if placement:
            # What AWSLambdaVPCAccessExecutionRole grants, without attaching a managed policy.
            self.role.add_to_policy(
                iam.PolicyStatement(actions=list(NETWORK_INTERFACE_ACTIONS), resources=["*"])
            )
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
            # The root logger's level, which the functions' loggers follow
            # (handlers/observability.py).
            application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
            environment=dict(environment),
            memory_size=memory_size,
            timeout=timeout,
            tracing=lambda_.Tracing.ACTIVE,
            reserved_concurrent_executions=reserved_concurrency,
            vpc=placement.vpc if placement else None,
            vpc_subnets=placement.subnets if placement else None,
            security_groups=[placement.security_group] if placement else None,
        )
        wildcard_reason = (
            "xray:PutTraceSegments and xray:PutTelemetryRecords accept no resource narrower "
            "than '*'"
        )
        if placement:
            wildcard_reason += (
                "; neither do the network-interface actions Lambda needs to run in a VPC, whose "
                "interfaces are created by the service before they can be named"
            )
        Validations.of(self.role.node.find_child("DefaultPolicy")).acknowledge(
            Acknowledgment(id="AwsSolutions-IAM5[Resource::*]", reason=wildcard_reason)
        )


def stage_function(
    scope: Construct,
    construct_id: str,
    *,
    config: StageConfig,
    code: FunctionCode,
    environment: Mapping[str, str],
    handler: str,
    description: str,
    memory_size: int,
    timeout: Duration,
    database: PostgresDatabase | None = None,
    application_secret: secretsmanager.ISecret | None = None,
) -> HandlerFunction:
    """A HandlerFunction named and configured as the stage says, running the asset of `code`
    that carries what `handler` needs.

    Given `database`, it runs among the database's clients, may log in through its proxy, and
    runs at most as many invocations at once as its share of the proxy's connections allows
    (stacks/connection_budget.py); given `application_secret`, it may read that secret.
    """
    function = HandlerFunction(
        scope,
        construct_id,
        handler=handler,
        function_name=ResourceNames(config.name).function(handler),
        description=description,
        code=code.for_handler(handler),
        environment=environment,
        memory_size=memory_size,
        timeout=timeout,
        log_retention=config.log_retention,
        removal_policy=config.data_removal_policy,
        placement=database.clients if database else None,
        reserved_concurrency=database.connection_budget.share(handler) if database else None,
    )
    if database:
        database.grant_connect(function.role)
    if application_secret:
        application_secret.grant_read(function.role)
    return function
