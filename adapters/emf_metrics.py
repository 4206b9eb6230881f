"""The operator's metrics as CloudWatch Embedded Metric Format: one JSON line each on standard
output, which Lambda's logs carry to CloudWatch and CloudWatch turns into metrics, with no call
to publish them. Each metric has no dimension, so every function adds to the same one, which the
alarms and the dashboard read (stacks/operational_metrics.py)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Final

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.base import SingleMetric

from contracts.metrics import MetricName


class EmfMeasurements:
    """domain.ports.Measurements in `namespace`; each measurement is written at once, so one
    process may measure on several threads."""

    def __init__(self, namespace: str) -> None:
        self._namespace = namespace

    def answer_sent(self) -> None:
        self._count(MetricName.ANSWERS_SENT)

    def send_failed(self) -> None:
        self._count(MetricName.SENDS_FAILED)

    def miss_queued(self) -> None:
        self._count(MetricName.MISSES_QUEUED)

    def answer_pushed(self, waited: timedelta) -> None:
        self._write(MetricName.MISS_TO_ANSWER, MetricUnit.Seconds, waited.total_seconds())

    def spotify_called(self) -> None:
        self._count(MetricName.SPOTIFY_CALLS)

    def spotify_rate_limited(self) -> None:
        self._count(MetricName.SPOTIFY_RATE_LIMITED)

    def _count(self, name: str) -> None:
        self._write(name, MetricUnit.Count, 1)

    def _write(self, name: str, unit: MetricUnit, value: float) -> None:
        metric = SingleMetric(namespace=self._namespace)
        metric.add_metric(name=name, unit=unit, value=value)
        # Standard output is where Lambda's logs, and CloudWatch with them, read EMF from.
        print(json.dumps(metric.serialize_metric_set(), separators=(",", ":")))


class Unmeasured:
    """domain.ports.Measurements that counts nothing: for an adapter used outside the
    functions (the local backfill, benchmarks, tests of the adapter alone), and for a stack
    whose metrics no CloudWatch reads (the local stack run from the command line)."""

    def answer_sent(self) -> None:
        pass

    def send_failed(self) -> None:
        pass

    def miss_queued(self) -> None:
        pass

    def answer_pushed(self, waited: timedelta) -> None:
        pass

    def spotify_called(self) -> None:
        pass

    def spotify_rate_limited(self) -> None:
        pass


UNMEASURED: Final = Unmeasured()
