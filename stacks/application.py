"""Puts the stacks of one stage together and has cdk-nag check them on every synth."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import App, Environment, Stack, Tags, Validations
from cdk_nag import AwsSolutionsChecks

from contracts.names import PROJECT, ResourceNames
from stacks.analytics_stack import AnalyticsStack
from stacks.chat_stack import ChatStack
from stacks.data_stack import DataStack
from stacks.database_stack import DatabaseStack
from stacks.monitoring_stack import MonitoringStack
from stacks.network_stack import NetworkStack
from stacks.pipeline_stack import PipelineStack
from stacks.stage_config import StageConfig
from stacks.workflow_definitions import INGEST_WORKFLOW_FILE

UNTAGGABLE = "AWS::RDS::DBProxyTargetGroup"


@dataclass(frozen=True)
class SixpotifyStacks:
    network: NetworkStack
    data: DataStack
    database: DatabaseStack
    pipeline: PipelineStack
    chat: ChatStack
    analytics: AnalyticsStack
    monitoring: MonitoringStack

    def all(self) -> tuple[Stack, ...]:
        return (
            self.network,
            self.data,
            self.database,
            self.pipeline,
            self.chat,
            self.analytics,
            self.monitoring,
        )


def build_application(
    app: App, config: StageConfig, *, ingest_workflow: Path = INGEST_WORKFLOW_FILE
) -> SixpotifyStacks:
    names = ResourceNames(config.name)
    # The CLI sets the account from the caller's credentials; without them the stacks stay
    # account-agnostic, which is all synthesis needs.
    environment = Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=config.region)

    network = NetworkStack(
        app,
        names.network_stack,
        config=config,
        env=environment,
        description="Sixpotify network: the VPC, its NAT gateways and gateway endpoints",
    )
    data = DataStack(
        app,
        names.data_stack,
        config=config,
        env=environment,
        description="Sixpotify data: raw lake bucket, DynamoDB tables and the application secret",
    )
    database = DatabaseStack(
        app,
        names.database_stack,
        config=config,
        network=network,
        env=environment,
        description="Sixpotify database: RDS PostgreSQL behind RDS Proxy, migrated on deploy",
    )
    pipeline = PipelineStack(
        app,
        names.pipeline_stack,
        config=config,
        data=data,
        database=database,
        ingest_workflow=ingest_workflow,
        env=environment,
        description="Sixpotify ingest: request queue, pipe, state machine and its functions",
    )
    chat = ChatStack(
        app,
        names.chat_stack,
        config=config,
        data=data,
        database=database,
        requests_queue=pipeline.requests_queue,
        env=environment,
        description="Sixpotify chat: Messenger webhook API and its function",
    )
    analytics = AnalyticsStack(
        app,
        names.analytics_stack,
        config=config,
        data=data,
        env=environment,
        description="Sixpotify analytics: Glue tables over the lake and the Athena workgroup",
    )
    monitoring = MonitoringStack(
        app,
        names.monitoring_stack,
        config=config,
        pipeline=pipeline,
        chat=chat,
        database=database,
        env=environment,
        description="Sixpotify monitoring: alarms, their SNS topic and the operations dashboard",
    )
    stacks = SixpotifyStacks(
        network=network,
        data=data,
        database=database,
        pipeline=pipeline,
        chat=chat,
        analytics=analytics,
        monitoring=monitoring,
    )
    for stack in stacks.all():
        # A stage that keeps its data is not deleted by a stray `cdk destroy`: CloudFormation
        # refuses until the protection is turned off by hand (docs/deploy.md).
        stack.termination_protection = config.retain_data
        for key, value in (("project", PROJECT), ("stage", config.name)):
            # CloudFormation refuses tags on proxy target groups, though CDK offers them.
            Tags.of(stack).add(key, value, exclude_resource_types=[UNTAGGABLE])

    Validations.of(app).add_plugins(
        AwsSolutionsChecks(app, write_suppressions_to_cloud_formation=True)
    )
    return stacks
