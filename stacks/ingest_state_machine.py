"""The ingest workflow: the ASL file in workflows/, rendered with the fragments it includes and
deployed with its functions' ARNs filled in."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from aws_cdk import Acknowledgment, ArnFormat, RemovalPolicy, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from stacks.workflow_definitions import (
    INGEST_FUNCTION_SUBSTITUTIONS,
    IngestSubstitution,
    render_definition,
)


class IngestStateMachine(Construct):
    """A STANDARD state machine, logged and traced, that may invoke its own functions, send
    to the dead-letter queue, read refresh manifests, write the refresh's Map results, and
    run and redrive its own Distributed Map children; nothing else.

    `functions` maps each name of INGEST_FUNCTION_SUBSTITUTIONS to the function it stands for.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        definition_file: Path,
        functions: Mapping[str, lambda_.IFunction],
        dead_letter_queue: sqs.IQueue,
        lake_bucket: s3.IBucket,
        manifest_reader: iam.IManagedPolicy,
        results_writer: iam.IManagedPolicy,
        state_machine_name: str,
        log_group_name: str,
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        if set(functions) != set(INGEST_FUNCTION_SUBSTITUTIONS):
            raise ValueError(
                f"ingest needs functions for exactly {sorted(INGEST_FUNCTION_SUBSTITUTIONS)}, "
                f"got {sorted(functions)}"
            )
        if not definition_file.is_file():
            raise FileNotFoundError(f"no workflow definition at {definition_file}")

        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=log_group_name,
            retention=log_retention,
            removal_policy=removal_policy,
        )
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=state_machine_name,
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_string(render_definition(definition_file)),
            definition_substitutions={
                **{name: function.function_arn for name, function in functions.items()},
                IngestSubstitution.DEAD_LETTER_QUEUE_URL: dead_letter_queue.queue_url,
                IngestSubstitution.LAKE_BUCKET: lake_bucket.bucket_name,
            },
            logs=sfn.LogOptions(
                destination=self.log_group,
                level=sfn.LogLevel.ALL,
                # Execution history already keeps inputs and outputs; the logs keep the events.
                include_execution_data=False,
            ),
            tracing_enabled=True,
        )
        # Unqualified ARNs, as the definition names them: no version or alias wildcard.
        self.state_machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["lambda:InvokeFunction"],
                resources=[function.function_arn for function in functions.values()],
            )
        )
        dead_letter_queue.grant_send_messages(self.state_machine)
        self.state_machine.role.add_managed_policy(manifest_reader)
        self.state_machine.role.add_managed_policy(results_writer)
        self._allow_distributed_map_children(state_machine_name)
        Validations.of(self.state_machine.role.node.find_child("DefaultPolicy")).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason="CloudWatch Logs delivery (logs:*LogDelivery*, logs:DescribeLogGroups, "
                "...) and X-Ray (xray:PutTraceSegments, ...) accept no resource narrower than '*'",
            )
        )

    def _allow_distributed_map_children(self, state_machine_name: str) -> None:
        """A Distributed Map starts each item as a child execution of this state machine, named
        `<machine>/<Map Run label>:<id>`; redriving a failed execution redrives its Map Run's
        failed children with this role. The ARNs are built from the name: referring to the
        machine itself from its own role would be a circular dependency."""
        stack = Stack.of(self)
        machine_arn = stack.format_arn(
            service="states",
            resource="stateMachine",
            resource_name=state_machine_name,
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        children_arn = stack.format_arn(
            service="states",
            resource="execution",
            resource_name=f"{state_machine_name}/*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        policy = iam.Policy(
            self,
            "DistributedMapChildren",
            statements=[
                iam.PolicyStatement(actions=["states:StartExecution"], resources=[machine_arn]),
                iam.PolicyStatement(
                    actions=[
                        "states:DescribeExecution",
                        "states:StopExecution",
                        "states:RedriveExecution",
                    ],
                    resources=[children_arn],
                ),
            ],
        )
        policy.attach_to_role(self.state_machine.role)
        Validations.of(policy).acknowledge(
            Acknowledgment(
                id=f"AwsSolutions-IAM5[Resource::{_as_nag_renders(stack, children_arn)}]",
                reason="Child executions of the Distributed Map are named at run time; the "
                "wildcard is confined to this state machine's own executions",
            )
        )


def _as_nag_renders(stack: Stack, arn: str) -> str:
    """The ARN as cdk-nag names it in a finding: a pseudo parameter still unknown at
    synthesis as `<AWS::Name>`, everything else as its value."""
    resolved = stack.resolve(arn)
    if isinstance(resolved, str):
        return resolved
    _, parts = resolved["Fn::Join"]
    return "".join(f"<{part['Ref']}>" if isinstance(part, dict) else part for part in parts)
