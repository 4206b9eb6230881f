"""local.json: what the stack writes is what every local tool reads back, a missing or
partial file is named, and the functions' settings come back as the stack ran them."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from local.published import (
    LOCAL_JSON,
    IncompletePublicationError,
    NoRunningStackError,
    PublishedStack,
)

PUBLISHED = PublishedStack(
    **{field.name: f"the {field.name}" for field in dataclasses.fields(PublishedStack)}
)


def test_what_the_stack_writes_is_read_back_whole_and_owner_only(tmp_path: Path) -> None:
    # Given a stack's details written to local.json
    path = tmp_path / LOCAL_JSON
    PUBLISHED.write(path)

    # When a local tool reads them
    read = PublishedStack.read(path)

    # Then it reads what was written, from a file nobody else may read
    assert read == PUBLISHED
    assert path.stat().st_mode & 0o077 == 0


def test_no_local_json_says_how_to_start_a_stack(tmp_path: Path) -> None:
    # Given a folder where no stack runs
    # When a local tool reads its local.json
    # Then it is told to start one
    with pytest.raises(NoRunningStackError, match="sixpotify local up"):
        PublishedStack.read(tmp_path / LOCAL_JSON)


def test_a_local_json_lacking_fields_names_them(tmp_path: Path) -> None:
    # Given a local.json another version wrote, without the Spotify client secret and the
    # secrets' ARNs, and with a field this version does not know
    details = dataclasses.asdict(PUBLISHED)
    for lacking in ("spotify_client_secret", "application_secret_arn"):
        del details[lacking]
    details["unknown_field"] = "ignored"
    path = tmp_path / LOCAL_JSON
    path.write_text(json.dumps(details), encoding="utf-8")

    # When a local tool reads it
    with pytest.raises(IncompletePublicationError) as incomplete:
        PublishedStack.read(path)

    # Then the error names each missing field, and counts as no stack to talk to
    assert "spotify_client_secret, application_secret_arn" in str(incomplete.value)
    assert isinstance(incomplete.value, NoRunningStackError)


def test_the_functions_settings_are_those_the_stack_published() -> None:
    # Given what a stack published
    # When the functions' settings are built from it
    settings = PUBLISHED.function_settings()

    # Then they reach the stack's database, Spotify, stores and secrets
    assert settings.database_url is not None
    assert settings.database_url.get_secret_value() == "the database_url"
    assert settings.aws_endpoint_url == "the aws_endpoint_url"
    assert settings.spotify_api_url == "the spotify_url"
    assert settings.spotify_auth_url == "the spotify_token_url"
    assert settings.application_secret == "the application_secret_arn"
    assert settings.generated_secret == "the generated_secret_arn"
    assert settings.lake_bucket == "the lake_bucket"
    assert settings.converse_function == "the converse_function"
