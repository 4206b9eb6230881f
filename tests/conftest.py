"""Marks each test by its layer (the folder it lives in) and loads the shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = [
    "tests.fixtures.postgres",
    "tests.fixtures.spotify",
    "tests.fixtures.graph",
    "tests.fixtures.aws",
]

_LAYERS = ("unit", "integration", "infra", "e2e")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        layer = next((part for part in Path(item.path).parts if part in _LAYERS), None)
        if layer is None:
            raise pytest.UsageError(f"{item.nodeid} lives outside tests/{{{','.join(_LAYERS)}}}")
        item.add_marker(getattr(pytest.mark, layer))
