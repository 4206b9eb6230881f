"""The ingest workflow: the ASL file in workflows/, deployed with its functions' ARNs filled in."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from aws_cdk import Acknowledgment, RemovalPolicy, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from stacks.workflow_definitions import INGEST_SUBSTITUTIONS


class IngestStateMachine(Construct):
    """A STANDARD state machine, logged and traced, that may invoke its own functions only.

    `functions` maps each name of INGEST_SUBSTITUTIONS to the function it stands for.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        definition_file: Path,
        functions: Mapping[str, lambda_.IFunction],
        state_machine_name: str,
        log_group_name: str,
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        if set(functions) != set(INGEST_SUBSTITUTIONS):
            raise ValueError(
                f"ingest needs functions for exactly {sorted(INGEST_SUBSTITUTIONS)}, "
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
            definition_body=sfn.DefinitionBody.from_file(str(definition_file)),
            definition_substitutions={
                name: function.function_arn for name, function in functions.items()
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
        Validations.of(self.state_machine.role.node.find_child("DefaultPolicy")).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason="CloudWatch Logs delivery (logs:*LogDelivery*, logs:DescribeLogGroups, "
                "...) and X-Ray (xray:PutTraceSegments, ...) accept no resource narrower than '*'",
            )
        )
