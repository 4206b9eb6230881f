"""The daily refresh: an EventBridge Scheduler schedule that starts the ingest workflow over
every known artist, and the dead-letter queue for a start that keeps failing."""

from __future__ import annotations

import json
from typing import Final

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from stacks.dead_letter_queue import dead_letter_queue

# 03:00 UTC, when the fewest people chat with the bot.
DAILY_AT_THREE_UTC: Final = "cron(0 3 * * ? *)"
# The scheduled time, not the start time, so a replay of a day's refresh keeps its keys.
REFRESH_INPUT: Final = json.dumps({"refresh": {"as_of": "<aws.scheduler.scheduled-time>"}})
# A throttled start succeeds within a few tries; more would only delay the dead letter.
RETRY_ATTEMPTS: Final = 3
# A refresh starting after 04:00 would compete with the day's chat for Spotify's rate limit: a
# start that has not succeeded within the hour is dead-lettered, for the operator to decide.
MAX_EVENT_AGE: Final = Duration.hours(1)


class RefreshSchedule(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        schedule_name: str,
        dead_letter_queue_name: str,
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
        self.dead_letter_queue = dead_letter_queue(
            self,
            "DeadLetters",
            queue_name=dead_letter_queue_name,
            fed_by="EventBridge Scheduler with the daily refresh it could not start",
        )
        # Scheduler sends dead letters with the schedule's role, not as a service principal.
        self.dead_letter_queue.grant(self.role, "sqs:SendMessage")
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
                    maximum_retry_attempts=RETRY_ATTEMPTS,
                    maximum_event_age_in_seconds=MAX_EVENT_AGE.to_seconds(),
                ),
                dead_letter_config=scheduler.CfnSchedule.DeadLetterConfigProperty(
                    arn=self.dead_letter_queue.queue_arn
                ),
            ),
        )
