"""Watching the running system: alarms that notify the operator, and one dashboard."""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from constructs import Construct

from contracts.names import ResourceNames
from stacks.alarm_topic import AlarmTopic
from stacks.alarms import OperationalAlarms
from stacks.chat_stack import ChatStack
from stacks.database_stack import DatabaseStack
from stacks.log_event_metric import (
    ARTISTS_NOT_FOUND,
    WAITERS_GIVEN_UP,
    WEBHOOK_ITEMS_SKIPPED,
    LogEventMetric,
)
from stacks.operational_metrics import operational_metrics
from stacks.operations_dashboard import OperationsDashboard
from stacks.pipeline_stack import PipelineStack
from stacks.stage_config import StageConfig


class MonitoringStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        pipeline: PipelineStack,
        chat: ChatStack,
        database: DatabaseStack,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        names = ResourceNames(config.name)
        self.alarm_topic = AlarmTopic(
            self, "AlarmTopic", topic_name=names.alarm_topic, email=config.alarm_email
        ).topic
        not_found, given_up, skipped = (
            LogEventMetric(
                self,
                construct_id,
                log_groups=log_groups,
                namespace=names.metric_namespace,
                counted=counted,
            )
            for construct_id, log_groups, counted in (
                ("ArtistsNotFound", [pipeline.fetch_artists_logs], ARTISTS_NOT_FOUND),
                ("WaitersGivenUp", pipeline.waiter_logs, WAITERS_GIVEN_UP),
                ("WebhookItemsSkipped", [chat.webhook_logs], WEBHOOK_ITEMS_SKIPPED),
            )
        )
        metrics = operational_metrics(
            namespace=names.metric_namespace,
            api=chat.api.api,
            webhook=chat.webhook,
            converse=chat.converse,
            converse_failures=chat.converse_failures,
            ingest=pipeline.ingest.state_machine,
            dead_letter_queue=pipeline.dead_letter_queue,
            refresh_dead_letter_queue=pipeline.refresh_dead_letter_queue,
            fetch_artists=pipeline.fetch_artists,
            artists_not_found=not_found.metric,
            waiters_given_up=given_up.metric,
            webhook_items_skipped=skipped.metric,
            database=database.database.instance,
        )
        self.alarms = OperationalAlarms(
            self, "Alarms", metrics=metrics, topic=self.alarm_topic, alarm_name=names.alarm
        ).alarms
        self.dashboard = OperationsDashboard(
            self,
            "Operations",
            dashboard_name=names.dashboard,
            metrics=metrics,
            alarms=list(self.alarms.values()),
        ).dashboard
