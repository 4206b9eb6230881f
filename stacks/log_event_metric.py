"""Metrics added up from functions' JSON log lines of one kind, and the kinds there are.

The functions' JSON lines (handlers/observability.py) put logging's `extra` fields at the top
level of the line, so a metric filter can match the `event` field (contracts/names.py, LogEvent)
and read a count from another field without parsing the message. What the functions count
themselves is written as metrics directly (adapters/emf_metrics.py), not filtered from lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_logs as logs
from constructs import Construct

from contracts.names import LogEvent


@dataclass(frozen=True)
class LoggedCount:
    """What a metric counts: the lines whose event is `event`, each 1 or its `count_field`."""

    event: str
    metric_name: str
    label: str
    count_field: str | None = None


# Artists Spotify does not have. Such an artist is tombstoned, not dead-lettered, so the
# dead-letter queue keeps meaning an outage; this is where they show instead. A trickle is
# Spotify's catalog changing (artists deleted or merged); a burst means a list of bad IDs.
ARTISTS_NOT_FOUND: Final = LoggedCount(
    event=LogEvent.ARTISTS_NOT_FOUND,
    metric_name="ArtistsNotFound",
    label="artists not on Spotify",
    count_field=LogEvent.ARTIST_COUNT,
)
# Waiting users the bot will not answer, each logged with its `reason`: the artist is gone from
# Spotify (the user was told so), the user cannot be messaged any more (blocked the page, no
# longer exists), or their 24-hour window closed before the answer was ready.
WAITERS_GIVEN_UP: Final = LoggedCount(
    event=LogEvent.WAITER_GIVEN_UP,
    metric_name="WaitersGivenUp",
    label="waiting users given up on",
)
# Items of signed deliveries the webhook could not use and skipped, each logged with where it
# was and which field failed: Messenger got its 200, so this is the only trace of them.
WEBHOOK_ITEMS_SKIPPED: Final = LoggedCount(
    event=LogEvent.WEBHOOK_ITEM_SKIPPED,
    metric_name="WebhookItemsSkipped",
    label="webhook items skipped",
)


class LogEventMetric(Construct):
    """Adds up the lines of `log_groups` that `counted` names into `namespace`: one filter
    per log group, all publishing the same metric, which CloudWatch sums."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        log_groups: Sequence[logs.ILogGroup],
        namespace: str,
        counted: LoggedCount,
    ) -> None:
        super().__init__(scope, construct_id)
        filters = [
            logs.MetricFilter(
                self,
                f"Filter{number}",
                log_group=log_group,
                filter_pattern=logs.FilterPattern.string_value(
                    f"$.{LogEvent.FIELD}", "=", counted.event
                ),
                metric_namespace=namespace,
                metric_name=counted.metric_name,
                metric_value="1" if counted.count_field is None else f"$.{counted.count_field}",
                # Zero rather than no data: quiet periods show as 0 on the dashboard.
                default_value=0,
            )
            for number, log_group in enumerate(log_groups, start=1)
        ]
        self.metric = filters[0].metric(
            statistic=cloudwatch.Stats.SUM, period=Duration.minutes(5), label=counted.label
        )
