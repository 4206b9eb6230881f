"""Watching the running system: alarms that notify the operator, and one dashboard."""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from constructs import Construct

from stacks.alarm_topic import AlarmTopic
from stacks.alarms import OperationalAlarms
from stacks.artists_not_found import ArtistsNotFoundMetric
from stacks.chat_stack import ChatStack
from stacks.database_stack import DatabaseStack
from stacks.names import ResourceNames
from stacks.operational_metrics import operational_metrics
from stacks.operations_dashboard import OperationsDashboard
from stacks.pipeline_stack import PipelineStack
from stacks.spotify_throttling import SpotifyThrottlingMetric
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
        throttling = SpotifyThrottlingMetric(
            self,
            "SpotifyThrottling",
            log_group=pipeline.fetch_artists_logs,
            namespace=names.metric_namespace,
        )
        not_found = ArtistsNotFoundMetric(
            self,
            "ArtistsNotFound",
            log_group=pipeline.fetch_artists_logs,
            namespace=names.metric_namespace,
        )
        metrics = operational_metrics(
            api=chat.api.api,
            webhook=chat.webhook,
            converse=chat.converse,
            converse_failures=chat.converse_failures,
            ingest=pipeline.ingest.state_machine,
            dead_letter_queue=pipeline.dead_letter_queue,
            refresh_dead_letter_queue=pipeline.refresh_dead_letter_queue,
            fetch_artists=pipeline.fetch_artists,
            spotify_rate_limited=throttling.metric,
            artists_not_found=not_found.metric,
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
