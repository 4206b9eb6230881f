"""Every function starts with all the settings handlers/settings.py requires, and no secret
value is written into a template."""

from __future__ import annotations

import pytest
from pydantic import AliasChoices, SecretStr

from handlers.settings import Settings
from stacks.names import Handler
from tests.infra.synthesis import Synthesized
from tests.infra.template_queries import logical_id_where

# Given by the Lambda runtime itself.
RUNTIME_PROVIDED = {"AWS_REGION"}
# Clear text until the RDS work: a placeholder without credentials (see stage_config.py).
PLACEHOLDER_SECRETS = {"DATABASE_URL"}
SECRET_REFERENCE = "{{resolve:secretsmanager:"

ALL_HANDLERS = [
    Handler.WEBHOOK,
    Handler.PLAN_BATCHES,
    Handler.FETCH_ARTISTS,
    Handler.RECOMPUTE_SIMILARITY,
    Handler.NOTIFY_WAITERS,
]


def variable_name(field: str) -> str:
    alias = Settings.model_fields[field].validation_alias
    if isinstance(alias, str):
        return alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return f"SIXPOTIFY_{field.upper()}"


def required_variables() -> set[str]:
    return {
        variable_name(field) for field, info in Settings.model_fields.items() if info.is_required()
    } - RUNTIME_PROVIDED


def secret_variables() -> set[str]:
    return {
        variable_name(field)
        for field, info in Settings.model_fields.items()
        if info.annotation is SecretStr
    } - PLACEHOLDER_SECRETS


@pytest.mark.parametrize("handler", ALL_HANDLERS)
def test_function_gets_every_required_setting_and_secrets_only_by_reference(
    synthesized: Synthesized, handler: str
) -> None:
    # Given the function's stack
    names = synthesized.names
    stack = names.chat_stack if handler == Handler.WEBHOOK else names.pipeline_stack
    template = synthesized.template_json(stack)

    # When its environment is read
    function_id = logical_id_where(template, "AWS::Lambda::Function", "Handler", handler)
    environment = template["Resources"][function_id]["Properties"]["Environment"]["Variables"]

    # Then it covers the settings and each secret is a Secrets Manager dynamic reference
    assert required_variables() <= set(environment)
    assert secret_variables()
    for variable in secret_variables():
        reference = environment[variable]
        assert isinstance(reference, str)
        assert reference.startswith(SECRET_REFERENCE + synthesized.config.application_secret_name)
