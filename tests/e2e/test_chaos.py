"""A short run of the reliability suite (`make chaos`) against `sixpotify local up` in its own
process: the runner's load, fuzz and burst scenarios, and its secrets scan, at a few seconds
each."""

from pathlib import Path

import pytest

from bench.chaos import Sender, run


def test_a_short_load_fuzz_and_burst_keep_every_invariant(tmp_path: Path) -> None:
    # When 20 messages a second are sent for 3 s, then 100 hostile bodies and 20 badly
    # signed, then 40 users ask at once for 40 artists the stack does not know
    reports = run(
        ["load", "fuzz", "bursts"],
        seconds=3,
        rate=20,
        signed=100,
        badly=20,
        burst_runs=1,
        work_dir=tmp_path,
    )
    # Then every message is answered once, nothing fails or is accepted unsigned, and no
    # secret reached a file the stack wrote
    assert [report.name for report in reports] == ["load", "fuzz", "bursts", "secrets"]
    assert {report.name: report.broken for report in reports} == {
        "load": [],
        "fuzz": [],
        "bursts": [],
        "secrets": [],
    }


def test_the_runner_sends_to_loopback_only() -> None:
    with pytest.raises(ValueError, match="loopback"):
        Sender("http://192.0.2.1:8080/webhook")
