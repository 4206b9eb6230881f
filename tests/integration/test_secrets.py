"""The application's credentials come from the secret the operator fills, the webhook's verify
token from the secret the deployment generates, each read by ARN; a secret that cannot be used
says why without ever quoting a value."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from adapters.secrets import (
    ApplicationSecrets,
    ApplicationSecretsError,
    GeneratedSecrets,
    read_application_secrets,
    read_generated_secrets,
)
from contracts.names import ResourceNames
from contracts.secrets import APPLICATION_SECRET_FIELDS, GENERATED_SECRET_FIELDS
from handlers import composition
from local.stack import LocalStack

FILLED = {
    "spotifyClientId": "spotify-client-id",
    "spotifyClientSecret": "spotify-client-secret-value",
    "pageAccessToken": "page-access-token-value",
    "appSecret": "app-secret-value",
}


@pytest.fixture
def secretsmanager(local_stack: LocalStack) -> Any:
    return local_stack.aws.client("secretsmanager")


def a_secret(client: Any, document: object) -> str:
    """A new secret holding `document` (JSON unless it is text already); returns its ARN."""
    text = document if isinstance(document, str) else json.dumps(document)
    name = f"sixpotify/test/{uuid.uuid4()}"
    return str(client.create_secret(Name=name, SecretString=text)["ARN"])


def test_the_documents_have_one_field_per_credential_and_generated_value() -> None:
    # Given the fields the stacks create the secrets with
    # When the adapter's documents list the fields they read
    # Then they are the same: the operator fills these, the deployment generates the other
    assert ApplicationSecrets.document_fields() == APPLICATION_SECRET_FIELDS == tuple(FILLED)
    assert GeneratedSecrets.document_fields() == GENERATED_SECRET_FIELDS == ("verifyToken",)


def test_a_filled_secret_is_read_whole_and_kept_out_of_repr(secretsmanager: Any) -> None:
    # Given
    arn = a_secret(secretsmanager, FILLED | {"note": "set by the operator"})

    # When
    secrets = read_application_secrets(secretsmanager, arn)

    # Then
    assert secrets.spotify_client_id == "spotify-client-id"
    assert secrets.spotify_client_secret.get_secret_value() == "spotify-client-secret-value"
    assert secrets.page_access_token.get_secret_value() == "page-access-token-value"
    assert secrets.app_secret.get_secret_value() == "app-secret-value"
    assert not [
        value
        for key, value in FILLED.items()
        if key != "spotifyClientId" and value in repr(secrets)
    ]
    # And what it was read from is what it writes back
    assert json.loads(secrets.secret_string()) == FILLED


def test_a_secret_as_deployed_names_every_field_with_how_to_fill_them(secretsmanager: Any) -> None:
    # Given the secret as the deployment creates it (stacks/application_secret.py), before the
    # operator wrote anything
    arn = a_secret(secretsmanager, "{}")

    # When
    with pytest.raises(ApplicationSecretsError) as refused:
        read_application_secrets(secretsmanager, arn)

    # Then every field is named, and how to set them
    message = str(refused.value)
    assert message.startswith(
        f"secret {arn} lacks spotifyClientId, spotifyClientSecret, pageAccessToken, appSecret: "
        "missing or empty"
    )
    assert f"aws secretsmanager put-secret-value --secret-id {arn}" in message


def test_fields_left_empty_or_out_are_named_without_quoting_the_others(
    secretsmanager: Any,
) -> None:
    # Given a secret with the Spotify fields empty and the page's token left out
    document = {k: v for k, v in FILLED.items() if k != "pageAccessToken"}
    arn = a_secret(secretsmanager, document | {"spotifyClientId": "", "spotifyClientSecret": " "})

    # When
    with pytest.raises(ApplicationSecretsError) as refused:
        read_application_secrets(secretsmanager, arn)

    # Then
    message = str(refused.value)
    assert message.startswith(
        f"secret {arn} lacks spotifyClientId, spotifyClientSecret, pageAccessToken: "
        "missing or empty"
    )
    assert "app-secret-value" not in message


def test_the_generated_secret_is_read_as_cloudformation_generates_it(secretsmanager: Any) -> None:
    # Given a secret holding what the deployment's generator writes: one generated field
    arn = a_secret(secretsmanager, {"verifyToken": "G3nerated0Token"})

    # When
    generated = read_generated_secrets(secretsmanager, arn)

    # Then the token is read, and kept out of repr
    assert generated.verify_token.get_secret_value() == "G3nerated0Token"
    assert "G3nerated0Token" not in repr(generated)


def test_a_generated_secret_without_its_token_says_how_to_put_one(secretsmanager: Any) -> None:
    # Given a generated secret someone overwrote with the operator's credentials
    arn = a_secret(secretsmanager, FILLED)

    # When
    with pytest.raises(ApplicationSecretsError) as refused:
        read_generated_secrets(secretsmanager, arn)

    # Then
    message = str(refused.value)
    assert message.startswith(f"secret {arn} lacks verifyToken: missing or empty")
    assert f"put-secret-value --secret-id {arn}" in message
    assert not [value for value in FILLED.values() if value in message]


def test_a_secret_that_is_not_json_is_refused_without_quoting_it(secretsmanager: Any) -> None:
    # Given
    arn = a_secret(secretsmanager, "spotify-client-secret-value")

    # When
    with pytest.raises(ApplicationSecretsError) as refused:
        read_application_secrets(secretsmanager, arn)

    # Then
    message = str(refused.value)
    assert message.startswith(f"secret {arn} is not a JSON object")
    assert "spotify-client-secret-value" not in message
    assert refused.value.__cause__ is None


def test_a_secret_that_does_not_exist_is_named(secretsmanager: Any) -> None:
    # When
    with pytest.raises(ApplicationSecretsError) as refused:
        read_application_secrets(secretsmanager, "sixpotify/test/never-created")

    # Then
    assert str(refused.value) == "secret sixpotify/test/never-created does not exist"


def test_the_local_stack_reads_its_credentials_from_its_secret(local_stack: LocalStack) -> None:
    # Given the stack's functions, given their secrets by ARN
    deps = composition.dependencies()
    secretsmanager = local_stack.aws.client("secretsmanager")
    names = [
        secretsmanager.describe_secret(SecretId=secret_id)["Name"]
        for secret_id in (deps.settings.application_secret, deps.settings.generated_secret)
    ]

    # When they read their credentials and the generated token
    secrets = deps.application_secrets
    generated = deps.generated_secrets

    # Then the secrets are the stage's, and hold what the stack published
    stage = ResourceNames(stage="local")
    assert names == [stage.application_secret, stage.generated_secret]
    endpoints = local_stack.endpoints
    assert secrets.spotify_client_id == endpoints.spotify_client_id
    assert secrets.spotify_client_secret.get_secret_value() == endpoints.spotify_client_secret
    assert secrets.app_secret.get_secret_value() == endpoints.app_secret
    assert generated.verify_token.get_secret_value() == endpoints.verify_token


def test_a_secret_read_that_failed_is_tried_again_on_next_use(
    local_stack: LocalStack, secretsmanager: Any
) -> None:
    # Given functions whose secret is not there yet
    name = f"sixpotify/test/{uuid.uuid4()}"
    settings = composition.dependencies().settings.model_copy(update={"application_secret": name})
    deps = composition.Dependencies(settings)
    with pytest.raises(ApplicationSecretsError):
        _ = deps.application_secrets

    # When the operator creates it, and the functions next need it
    secretsmanager.create_secret(Name=name, SecretString=json.dumps(FILLED))
    secrets = deps.application_secrets

    # Then it is read
    assert secrets.spotify_client_id == "spotify-client-id"
