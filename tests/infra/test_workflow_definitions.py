"""Rendering a workflow definition the way CloudFormation's DefinitionSubstitutions does."""

from __future__ import annotations

import json
from typing import Any

import pytest

from stacks.workflow_definitions import (
    INGEST_FUNCTION_SUBSTITUTIONS,
    INGEST_SUBSTITUTIONS,
    INGEST_WORKFLOW_FILE,
    UnresolvedSubstitutionError,
    placeholders,
    substitute,
)


def test_substitute_replaces_every_placeholder_and_leaves_json_paths_alone() -> None:
    # Given a definition with a placeholder twice and a JSONPath that looks a bit alike
    text = '{"A": "${FnArn}", "B": "${FnArn}", "C.$": "$.items", "D": "$${x"}'

    # When it is rendered
    rendered = substitute(text, {"FnArn": "arn:aws:lambda:eu-west-1:1:function:f"})

    # Then both placeholders carry the value and the rest is unchanged
    assert json.loads(rendered) == {
        "A": "arn:aws:lambda:eu-west-1:1:function:f",
        "B": "arn:aws:lambda:eu-west-1:1:function:f",
        "C.$": "$.items",
        "D": "$${x",
    }


def test_substitute_names_every_placeholder_it_cannot_fill() -> None:
    # Given a definition with two placeholders the mapping lacks
    text = '{"A": "${First}", "B": "${Second}", "C": "${Known}"}'

    # When it is rendered
    with pytest.raises(UnresolvedSubstitutionError) as raised:
        substitute(text, {"Known": "x"})

    # Then the error lists both
    assert raised.value.missing == frozenset({"First", "Second"})
    assert "First, Second" in str(raised.value)


def test_ingest_workflow_uses_exactly_the_declared_substitutions() -> None:
    # Given the ingest workflow in the repository
    text = INGEST_WORKFLOW_FILE.read_text(encoding="utf-8")

    # When its placeholders are listed
    found = placeholders(text)

    # Then they are the nine function ARNs, the dead-letter queue and the lake bucket that CDK
    # and the local stack provide
    assert found == frozenset(INGEST_SUBSTITUTIONS)
    assert len(INGEST_FUNCTION_SUBSTITUTIONS) == 9
    assert set(INGEST_SUBSTITUTIONS) - set(INGEST_FUNCTION_SUBSTITUTIONS) == {
        "DeadLetterQueueUrl",
        "LakeBucketName",
    }


def _without_prefix(value: Any, prefix: str) -> Any:
    """The value with `prefix` dropped from the start of every string in it."""
    if isinstance(value, dict):
        return {_without_prefix(k, prefix): _without_prefix(v, prefix) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_prefix(item, prefix) for item in value]
    if isinstance(value, str):
        return value.removeprefix(prefix)
    return value


def test_requested_and_refreshed_batches_go_through_the_same_loop() -> None:
    # Given the ingest workflow's two Maps: requests (inline) and the refresh (distributed)
    states = json.loads(INGEST_WORKFLOW_FILE.read_text(encoding="utf-8"))["States"]
    requested, refreshed = states["FetchArtists"], states["RefreshArtists"]

    # When the refresh's item processor is read with its state-name prefix dropped
    refreshed_loop = _without_prefix(refreshed["ItemProcessor"]["States"], "Refresh")

    # Then it is the same loop (state names must be unique across a whole state machine)
    assert refreshed_loop == requested["ItemProcessor"]["States"]
    assert requested["ItemSelector"] == refreshed["ItemSelector"]
    assert refreshed["ItemProcessor"]["ProcessorConfig"] == {
        "Mode": "DISTRIBUTED",
        "ExecutionType": "STANDARD",
    }
    assert "ItemBatcher" not in refreshed
