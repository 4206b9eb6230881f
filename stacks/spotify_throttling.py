"""Spotify's 429s as a metric, counted from the fetch function's JSON log lines.

Step Functions publishes no per-state metrics, so the workflow's wait for a rate limit cannot
be counted there; the function logs each rate limit with `event` = LogEvent.SPOTIFY_RATE_LIMITED
(Lambda's JSON log format puts logging's `extra` fields at the top level of the line).
"""

from __future__ import annotations

from typing import Final

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.names import LogEvent

METRIC_NAME: Final = "SpotifyRateLimited"


def rate_limited_pattern() -> logs.IFilterPattern:
    return logs.FilterPattern.string_value(
        f"$.{LogEvent.FIELD}", "=", LogEvent.SPOTIFY_RATE_LIMITED
    )


class SpotifyThrottlingMetric(Construct):
    """Counts the rate-limit log lines of `log_group` into `namespace`/METRIC_NAME."""

    def __init__(
        self, scope: Construct, construct_id: str, *, log_group: logs.ILogGroup, namespace: str
    ) -> None:
        super().__init__(scope, construct_id)
        self.filter = logs.MetricFilter(
            self,
            "Filter",
            log_group=log_group,
            filter_pattern=rate_limited_pattern(),
            metric_namespace=namespace,
            metric_name=METRIC_NAME,
            metric_value="1",
            # Zero rather than no data: quiet periods show as 0 on the dashboard.
            default_value=0,
        )
        self.metric = self.filter.metric(
            statistic=cloudwatch.Stats.SUM, period=Duration.minutes(5), label="Spotify 429s"
        )
