"""The daily refresh: an EventBridge Scheduler schedule that starts the ingest workflow over
every known artist."""

from __future__ import annotations

import json
from typing import Final

from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

# 03:00 UTC, when the fewest people chat with the bot.
DAILY_AT_THREE_UTC: Final = "cron(0 3 * * ? *)"
# The scheduled time, not the start time, so a replay of a day's refresh keeps its keys.
REFRESH_INPUT: Final = json.dumps({"refresh": {"as_of": "<aws.scheduler.scheduled-time>"}})
_RETRY_ATTEMPTS = 3


class RefreshSchedule(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        schedule_name: str,
        target: sfn.IStateMachine,
        expression: str = DAILY_AT_THREE_UTC,
    ) -> None:
        super().__init__(scope, construct_id)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("scheduler.amazonaws.com"),
            description="Starts the daily refresh of every known artist",
        )
        target.grant_start_execution(self.role)
        self.schedule = scheduler.CfnSchedule(
            self,
            "Schedule",
            name=schedule_name,
            description="Refetch every known artist from Spotify",
            schedule_expression=expression,
            schedule_expression_timezone="UTC",
            flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
            target=scheduler.CfnSchedule.TargetProperty(
                arn=target.state_machine_arn,
                role_arn=self.role.role_arn,
                input=REFRESH_INPUT,
                retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(
                    maximum_retry_attempts=_RETRY_ATTEMPTS
                ),
            ),
        )
