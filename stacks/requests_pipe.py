"""The EventBridge Pipe that turns batches of queued artist requests into ingest executions."""

from __future__ import annotations

from typing import Final

from aws_cdk import RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_pipes as pipes
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

BATCH_SIZE: Final = 10
MAX_BATCHING_WINDOW_SECONDS: Final = 5
# Failures only: why a batch could not start its execution. Each success is an execution in the
# state machine's own history already; INFO would add a record per step of every batch.
LOG_LEVEL: Final = "ERROR"


class RequestsPipe(Construct):
    """Up to BATCH_SIZE messages, or whatever arrived within the window, start one execution.

    FIRE_AND_FORGET: the pipe deletes the messages once the execution has started; a failed
    start leaves them on the queue, to be retried and finally dead-lettered, and logs the reason
    to the log group `log_group_name`.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        pipe_name: str,
        source: sqs.IQueue,
        target: sfn.IStateMachine,
        log_group_name: str,
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=log_group_name,
            retention=log_retention,
            removal_policy=removal_policy,
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("pipes.amazonaws.com"),
            description="Reads artist requests and starts ingest executions",
        )
        source.grant_consume_messages(self.role)
        target.grant_start_execution(self.role)
        # Pipes writes its log records with the pipe's role.
        self.log_group.grant_write(self.role)
        self.pipe = pipes.CfnPipe(
            self,
            "Pipe",
            name=pipe_name,
            role_arn=self.role.role_arn,
            source=source.queue_arn,
            source_parameters=pipes.CfnPipe.PipeSourceParametersProperty(
                sqs_queue_parameters=pipes.CfnPipe.PipeSourceSqsQueueParametersProperty(
                    batch_size=BATCH_SIZE,
                    maximum_batching_window_in_seconds=MAX_BATCHING_WINDOW_SECONDS,
                )
            ),
            log_configuration=pipes.CfnPipe.PipeLogConfigurationProperty(
                cloudwatch_logs_log_destination=(
                    pipes.CfnPipe.CloudwatchLogsLogDestinationProperty(
                        log_group_arn=self.log_group.log_group_arn
                    )
                ),
                level=LOG_LEVEL,
                # No execution data: the messages and the StartExecution request would copy
                # what users asked for into a second store, and the error says enough; the
                # messages themselves stay on the queue until started or dead-lettered.
            ),
            target=target.state_machine_arn,
            target_parameters=pipes.CfnPipe.PipeTargetParametersProperty(
                step_function_state_machine_parameters=(
                    pipes.CfnPipe.PipeTargetStateMachineParametersProperty(
                        invocation_type="FIRE_AND_FORGET"
                    )
                )
            ),
        )
        # The role must hold its permissions before the pipe validates them on creation.
        self.pipe.node.add_dependency(self.role)
