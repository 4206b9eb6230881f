"""The EventBridge Pipe that turns batches of queued artist requests into ingest executions."""

from __future__ import annotations

from typing import Final

from aws_cdk import aws_iam as iam
from aws_cdk import aws_pipes as pipes
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

BATCH_SIZE: Final = 10
MAX_BATCHING_WINDOW_SECONDS: Final = 5


class RequestsPipe(Construct):
    """Up to BATCH_SIZE messages, or whatever arrived within the window, start one execution.

    FIRE_AND_FORGET: the pipe deletes the messages once the execution has started; a failed
    start leaves them on the queue, to be retried and finally dead-lettered.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        pipe_name: str,
        source: sqs.IQueue,
        target: sfn.IStateMachine,
    ) -> None:
        super().__init__(scope, construct_id)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("pipes.amazonaws.com"),
            description="Reads artist requests and starts ingest executions",
        )
        source.grant_consume_messages(self.role)
        target.grant_start_execution(self.role)
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
