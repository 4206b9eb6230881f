"""A metric added up from a function's JSON log lines of one kind.

Lambda's JSON log format puts logging's `extra` fields at the top level of the line, so a
metric filter can match the `event` field (stacks/names.py, LogEvent) and read a count from
another field without parsing the message.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.names import LogEvent


class LogEventMetric(Construct):
    """Adds up the lines of `log_group` whose event is `event` into `namespace`/`metric_name`:
    each line counts 1, or the number in its `count_field` when one is named."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        log_group: logs.ILogGroup,
        namespace: str,
        event: str,
        metric_name: str,
        label: str,
        count_field: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.filter = logs.MetricFilter(
            self,
            "Filter",
            log_group=log_group,
            filter_pattern=logs.FilterPattern.string_value(f"$.{LogEvent.FIELD}", "=", event),
            metric_namespace=namespace,
            metric_name=metric_name,
            metric_value="1" if count_field is None else f"$.{count_field}",
            # Zero rather than no data: quiet periods show as 0 on the dashboard.
            default_value=0,
        )
        self.metric = self.filter.metric(
            statistic=cloudwatch.Stats.SUM, period=Duration.minutes(5), label=label
        )
