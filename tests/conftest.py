"""Marks each test by its layer (the folder it lives in) and loads the shared fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from tests.summary import ACCURACY_LINES, ARTIFACT_LINES

# Property tests try a modest number of examples in an order fixed by each test, so `make
# test` stays fast and a failure in CI shows up the same way on any machine; no per-example
# deadline, which a loaded CI runner would trip. HYPOTHESIS_PROFILE=thorough searches wider
# and differently on each run, for hunting rather than gating. Neither keeps an example
# database in the working tree: a failure prints what reproduces it.
settings.register_profile("gate", max_examples=100, deadline=None, derandomize=True, database=None)
settings.register_profile("thorough", max_examples=5_000, deadline=None, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "gate"))

pytest_plugins = [
    "tests.fixtures.postgres",
    "tests.fixtures.spotify",
    "tests.fixtures.graph",
    "tests.fixtures.aws",
    "tests.fixtures.cdk",
]

_LAYERS = ("unit", "integration", "infra", "e2e")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        layer = next((part for part in Path(item.path).parts if part in _LAYERS), None)
        if layer is None:
            raise pytest.UsageError(f"{item.nodeid} lives outside tests/{{{','.join(_LAYERS)}}}")
        item.add_marker(getattr(pytest.mark, layer))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if ACCURACY_LINES:
        terminalreporter.section("messages understood")
        for line in ACCURACY_LINES:
            terminalreporter.write_line(line)
    if ARTIFACT_LINES:
        terminalreporter.section("test artifacts")
        for line in ARTIFACT_LINES:
            terminalreporter.write_line(line)
