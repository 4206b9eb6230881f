"""Rendering a workflow definition the way CloudFormation's DefinitionSubstitutions does."""

from __future__ import annotations

import json

import pytest

from stacks.workflow_definitions import (
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

    # Then they are the four function ARNs CDK and the local stack provide
    assert found == frozenset(INGEST_SUBSTITUTIONS)
    assert len(INGEST_SUBSTITUTIONS) == 4
