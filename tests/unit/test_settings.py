"""Settings come from the environment, name every problem at once, and hold no secret value."""

from __future__ import annotations

from collections.abc import Callable
from typing import get_args

import pytest
from pydantic import SecretStr

from handlers.settings import (
    DatabaseEndpoint,
    Settings,
    SettingsError,
    load_database_settings,
    load_settings,
)

PASSWORD = "correct-horse-battery-staple"
DATABASE_URL = f"postgresql://sixpotify:{PASSWORD}@db.internal:5432/sixpotify"
PROXY = {
    "SIXPOTIFY_DATABASE_HOST": "proxy.example.internal",
    "SIXPOTIFY_DATABASE_NAME": "sixpotify",
    "SIXPOTIFY_DATABASE_USER": "sixpotify",
}
APPLICATION = {
    "SIXPOTIFY_LAKE_BUCKET": "lake",
    "SIXPOTIFY_GENRES_TABLE": "genres",
    "SIXPOTIFY_WAITERS_TABLE": "waiters",
    "SIXPOTIFY_MESSAGES_TABLE": "messages",
    "SIXPOTIFY_LAST_ANSWERS_TABLE": "last-answers",
    "SIXPOTIFY_REQUESTS_QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/1/requests",
    "SIXPOTIFY_CONVERSE_FUNCTION": "sixpotify-dev-converse",
    "SIXPOTIFY_METRIC_NAMESPACE": "sixpotify/dev",
    "SIXPOTIFY_APPLICATION_SECRET": "arn:aws:secretsmanager:eu-west-1:1:secret:app",
    "SIXPOTIFY_GENERATED_SECRET": "arn:aws:secretsmanager:eu-west-1:1:secret:generated",
}

Environment = Callable[..., None]


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> Environment:
    """Sets exactly the given variables among those the settings could read."""
    for variable in [
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT_URL",
        "DATABASE_URL",
        "SIXPOTIFY_DATABASE_PORT",
        *PROXY,
        *APPLICATION,
    ]:
        monkeypatch.delenv(variable, raising=False)

    def given(**variables: str) -> None:
        for name, value in variables.items():
            monkeypatch.setenv(name, value)

    return given


def test_a_database_url_is_one_way_to_connect(environment: Environment) -> None:
    # Given
    environment(AWS_REGION="eu-west-1", DATABASE_URL=DATABASE_URL)

    # When
    settings = load_database_settings()

    # Then the URL is there, and kept out of repr
    assert isinstance(settings.database, SecretStr)
    assert settings.database.get_secret_value() == DATABASE_URL
    assert PASSWORD not in repr(settings)


def test_an_rds_proxy_endpoint_is_the_other_with_port_5432_by_default(
    environment: Environment,
) -> None:
    # Given
    environment(AWS_REGION="eu-west-1", **PROXY)

    # When
    settings = load_database_settings()

    # Then
    assert settings.database == DatabaseEndpoint(
        host="proxy.example.internal", port=5432, name="sixpotify", user="sixpotify"
    )


def test_an_empty_variable_counts_as_unset(environment: Environment) -> None:
    # Given an endpoint, and a DATABASE_URL left empty
    environment(AWS_REGION="eu-west-1", DATABASE_URL="", SIXPOTIFY_DATABASE_PORT="6432", **PROXY)

    # When
    settings = load_database_settings()

    # Then the endpoint is the way to connect
    assert settings.database == DatabaseEndpoint(
        host="proxy.example.internal", port=6432, name="sixpotify", user="sixpotify"
    )


def test_both_ways_at_once_are_refused_without_quoting_the_url(environment: Environment) -> None:
    # Given
    environment(AWS_REGION="eu-west-1", DATABASE_URL=DATABASE_URL, **PROXY)

    # When
    with pytest.raises(SettingsError) as refused:
        load_database_settings()

    # Then
    message = str(refused.value)
    assert "set either DATABASE_URL or SIXPOTIFY_DATABASE_HOST" in message
    assert "not both" in message
    assert PASSWORD not in message


def test_no_database_at_all_is_refused_naming_both_ways(environment: Environment) -> None:
    # Given
    environment(AWS_REGION="eu-west-1")

    # When
    with pytest.raises(SettingsError) as refused:
        load_database_settings()

    # Then
    assert str(refused.value) == (
        "invalid configuration: no database: set DATABASE_URL, or SIXPOTIFY_DATABASE_HOST, "
        "SIXPOTIFY_DATABASE_PORT, SIXPOTIFY_DATABASE_NAME and SIXPOTIFY_DATABASE_USER "
        "(the port defaults to 5432)"
    )


def test_an_endpoint_without_name_and_user_is_refused_naming_them(
    environment: Environment,
) -> None:
    # Given
    environment(AWS_REGION="eu-west-1", SIXPOTIFY_DATABASE_HOST="proxy.example.internal")

    # When
    with pytest.raises(SettingsError) as refused:
        load_database_settings()

    # Then
    assert str(refused.value).endswith("needs SIXPOTIFY_DATABASE_NAME, SIXPOTIFY_DATABASE_USER")


def test_every_problem_is_named_at_once(environment: Environment) -> None:
    # Given no region, no database, a bad port and no application secret
    application = {k: v for k, v in APPLICATION.items() if k != "SIXPOTIFY_APPLICATION_SECRET"}
    environment(SIXPOTIFY_DATABASE_PORT="five", **application)

    # When
    with pytest.raises(SettingsError) as refused:
        load_settings()

    # Then
    problems = str(refused.value).removeprefix("invalid configuration: ").split("; ")
    assert [problem.split(":")[0] for problem in problems] == [
        "AWS_REGION or AWS_DEFAULT_REGION",
        "SIXPOTIFY_DATABASE_PORT",
        "no database",
        "SIXPOTIFY_APPLICATION_SECRET",
    ]


def test_the_application_reads_its_secrets_by_reference(environment: Environment) -> None:
    # Given a deployed function's environment
    environment(AWS_REGION="eu-west-1", **PROXY, **APPLICATION)

    # When
    settings = load_settings()

    # Then the secrets are ARNs to read
    assert settings.application_secret == APPLICATION["SIXPOTIFY_APPLICATION_SECRET"]
    assert settings.generated_secret == APPLICATION["SIXPOTIFY_GENERATED_SECRET"]
    # And the only setting that may hold a credential is the URL used off AWS
    may_hold_credentials = [
        name
        for name, field in Settings.model_fields.items()
        if field.annotation is SecretStr or SecretStr in get_args(field.annotation)
    ]
    assert may_hold_credentials == ["database_url"]


def test_the_database_settings_need_none_of_the_application_settings(
    environment: Environment,
) -> None:
    # Given the migration function's environment: the database and the region only
    environment(AWS_REGION="eu-west-1", **PROXY)

    # When
    settings = load_database_settings()

    # Then
    assert isinstance(settings.database, DatabaseEndpoint)
