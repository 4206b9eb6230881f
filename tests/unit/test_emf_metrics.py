"""Each measurement is one Embedded Metric Format line, in the stage's namespace, with no
dimension, so that every function adds to the one metric the alarms read."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from adapters.emf_metrics import EmfMeasurements
from contracts.metrics import MetricName


def test_a_count_and_a_wait_are_each_one_line_in_the_namespace(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given the measurements of stage "dev"
    measurements = EmfMeasurements("sixpotify/dev")

    # When an answer is sent, and a waiting user answered 42.5 s after they asked
    measurements.answer_sent()
    measurements.answer_pushed(timedelta(seconds=42.5))

    # Then two EMF lines say so, in the namespace, with no dimension
    sent, pushed = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    [sent_directive] = sent["_aws"]["CloudWatchMetrics"]
    assert sent_directive["Namespace"] == "sixpotify/dev"
    assert sent_directive["Dimensions"] == [[]]
    assert sent_directive["Metrics"] == [{"Name": MetricName.ANSWERS_SENT, "Unit": "Count"}]
    assert sent[MetricName.ANSWERS_SENT] == [1.0]
    [pushed_directive] = pushed["_aws"]["CloudWatchMetrics"]
    assert pushed_directive["Metrics"] == [{"Name": MetricName.MISS_TO_ANSWER, "Unit": "Seconds"}]
    assert pushed[MetricName.MISS_TO_ANSWER] == [42.5]
