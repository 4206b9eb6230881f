"""Every function's environment loads as its process's settings, reaches PostgreSQL through
the proxy with IAM tokens, names the application and generated secrets by ARN, and holds no
secret value."""

from __future__ import annotations

import json
import os

import pytest

from contracts.names import DATABASE_USER, EnvironmentVariable, Handler
from handlers.settings import (
    DatabaseEndpoint,
    DatabaseSettings,
    load_database_settings,
    load_settings,
)
from tests.infra.synthesis import Synthesized
from tests.infra.template_queries import (
    INGEST_HANDLERS,
    function_properties,
    resolve_resource,
    resources_of_type,
)

# Given by the Lambda runtime itself.
RUNTIME_PROVIDED = {"AWS_REGION": "eu-west-1"}
APPLICATION_HANDLERS = [Handler.WEBHOOK, Handler.CONVERSE, *INGEST_HANDLERS]


def environment_of(synthesized: Synthesized, handler: str) -> dict[str, object]:
    template = synthesized.template_json(synthesized.stack_of_handler(handler))
    variables: dict[str, object] = function_properties(template, handler)["Environment"][
        "Variables"
    ]
    return variables


def load_as_deployed(
    variables: dict[str, object], monkeypatch: pytest.MonkeyPatch, handler: str
) -> DatabaseSettings:
    """The settings the handler's process would read, references standing in as text."""
    for name in list(os.environ):
        if name.startswith("SIXPOTIFY_") or name in {"DATABASE_URL", "AWS_ENDPOINT_URL"}:
            monkeypatch.delenv(name)
    for name, value in {**variables, **RUNTIME_PROVIDED}.items():
        monkeypatch.setenv(name, value if isinstance(value, str) else f"<{name}>")
    if handler == Handler.MIGRATE_DATABASE:
        return load_database_settings()
    return load_settings()


@pytest.mark.parametrize("handler", [*APPLICATION_HANDLERS, Handler.MIGRATE_DATABASE])
def test_environment_loads_and_logs_in_to_the_proxy_as_the_owner(
    synthesized: Synthesized, handler: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the function's environment
    variables = environment_of(synthesized, handler)

    # When its process loads its settings from it
    settings = load_as_deployed(variables, monkeypatch, handler)

    # Then it reaches PostgreSQL at the proxy's endpoint, as the owner, with an IAM token
    assert isinstance(settings.database, DatabaseEndpoint)
    assert settings.database.user == DATABASE_USER
    stack = synthesized.stack_of_handler(handler)
    host = resolve_resource(
        variables[EnvironmentVariable.DATABASE_HOST], stack, synthesized.templates
    )
    database = synthesized.template_json(synthesized.names.database_stack)
    assert host.logical_id in resources_of_type(database, "AWS::RDS::DBProxy")


@pytest.mark.parametrize("handler", APPLICATION_HANDLERS)
def test_environment_names_both_secrets_and_holds_no_secret_value(
    synthesized: Synthesized, handler: str
) -> None:
    # Given the function's environment
    variables = environment_of(synthesized, handler)
    stack = synthesized.stack_of_handler(handler)

    # When the secrets' variables are followed, and every value is read
    secrets = {
        variable: resolve_resource(variables[variable], stack, synthesized.templates)
        for variable in (
            EnvironmentVariable.APPLICATION_SECRET,
            EnvironmentVariable.GENERATED_SECRET,
        )
    }
    text = json.dumps(variables)

    # Then they are the stage's two secrets, by ARN; nothing is resolved from a secret at deploy
    # time; and no variable is a database URL, which could carry a password
    data = synthesized.template_json(synthesized.names.data_stack)["Resources"]
    names = {
        variable: data[secret.logical_id]["Properties"]["Name"]
        for variable, secret in secrets.items()
    }
    assert names == {
        EnvironmentVariable.APPLICATION_SECRET: synthesized.names.application_secret,
        EnvironmentVariable.GENERATED_SECRET: synthesized.names.generated_secret,
    }
    assert "{{resolve:" not in text
    assert EnvironmentVariable.DATABASE_URL not in variables


@pytest.mark.parametrize("handler", APPLICATION_HANDLERS)
def test_environment_names_the_stages_metric_namespace(
    synthesized: Synthesized, handler: str
) -> None:
    # Given the function's environment
    variables = environment_of(synthesized, handler)

    # When the variable its metrics are written under is read
    namespace = variables[EnvironmentVariable.METRIC_NAMESPACE]

    # Then it is the stage's namespace, which the alarms and the dashboard read
    assert namespace == synthesized.names.metric_namespace
