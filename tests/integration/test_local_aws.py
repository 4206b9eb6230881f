"""The local moto server keeps what moto would otherwise work out on every request."""

from __future__ import annotations

import os
from pathlib import Path

import moto
import pytest
from moto import backends
from moto.core import responses
from moto.dynamodb.responses import DynamoHandler

from local.stack import LocalStack


def test_moto_lists_its_services_once(
    local_stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given moto's package folder, listed before the disk is made unreadable
    folder = Path(moto.__file__).parent
    expected = sorted(
        entry.name
        for entry in folder.iterdir()
        if entry.is_dir() and not entry.name.startswith("__")
    )

    def unreadable(path: str) -> list[str]:
        raise AssertionError(f"listed {path} again")

    monkeypatch.setattr(os, "listdir", unreadable)
    # When the server matches a request to a service / Then the listing is the one it made
    assert list(backends.list_of_moto_modules()) == expected


def test_moto_inspects_a_response_class_once(local_stack: LocalStack) -> None:
    # When the methods of the class that answers DynamoDB are looked up twice
    first = responses.method_names_from_class(DynamoHandler)  # type: ignore[attr-defined]
    # Then the second look-up is the first one's answer, with the actions it answers
    assert responses.method_names_from_class(DynamoHandler) is first  # type: ignore[attr-defined]
    assert "put_item" in first
