"""One synthesis of the whole app per test session, shared by every infra test, and one of the
prod stage for the tests of what differs there."""

from __future__ import annotations

import pytest

from tests.infra.synthesis import Synthesized, synthesize


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize(tmp_path_factory.mktemp("cdk") / "cdk.out")


@pytest.fixture(scope="session")
def synthesized_prod(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The prod stage, for what differs where a stage keeps its data."""
    return synthesize(tmp_path_factory.mktemp("cdk-prod") / "cdk.out", stage="prod")
