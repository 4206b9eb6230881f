"""The application's credentials come from one Secrets Manager secret, read by ARN, and a
secret that cannot be used says why without ever quoting a value."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from adapters.secrets import (
    APPLICATION_SECRET_FIELDS,
    ApplicationSecretsError,
    read_application_secrets,
)
from handlers import composition
from local.stack import LocalStack
from stacks.names import ResourceNames

FILLED = {
    "spotifyClientId": "spotify-client-id",
    "spotifyClientSecret": "spotify-client-secret-value",
    "pageAccessToken": "page-access-token-value",
    "appSecret": "app-secret-value",
    "verifyToken": "verify-token-value",
}


@pytest.fixture
def secretsmanager(local_stack: LocalStack) -> Any:
    return local_stack.aws.client("secretsmanager")


def a_secret(client: Any, document: object) -> str:
    """A new secret holding `document` (JSON unless it is text already); returns its ARN."""
    text = document if isinstance(document, str) else json.dumps(document)
    name = f"sixpotify/test/{uuid.uuid4()}"
    return str(client.create_secret(Name=name, SecretString=text)["ARN"])


def test_the_document_has_one_field_per_credential() -> None:
    # Then the deployment creates the secret with these fields, and the docs list them
    assert APPLICATION_SECRET_FIELDS == (
        "spotifyClientId",
        "spotifyClientSecret",
        "pageAccessToken",
        "appSecret",
        "verifyToken",
    )


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
    assert secrets.verify_token.get_secret_value() == "verify-token-value"
    assert not [
        value
        for key, value in FILLED.items()
        if key != "spotifyClientId" and value in repr(secrets)
    ]
    # And what it was read from is what it writes back
    assert json.loads(secrets.secret_string()) == FILLED


def test_placeholders_left_empty_are_named_with_how_to_fill_them(secretsmanager: Any) -> None:
    # Given a secret as deployed, with only the app secret filled in
    arn = a_secret(secretsmanager, dict.fromkeys(FILLED, "") | {"appSecret": "app-secret-value"})

    # When
    with pytest.raises(ApplicationSecretsError) as refused:
        read_application_secrets(secretsmanager, arn)

    # Then
    message = str(refused.value)
    assert message.startswith(
        f"secret {arn} lacks spotifyClientId, spotifyClientSecret, pageAccessToken, "
        "verifyToken: missing or empty"
    )
    assert f"aws secretsmanager put-secret-value --secret-id {arn}" in message
    assert "app-secret-value" not in message


def test_a_field_left_out_counts_as_missing(secretsmanager: Any) -> None:
    # Given
    arn = a_secret(secretsmanager, {k: v for k, v in FILLED.items() if k != "verifyToken"})

    # When
    with pytest.raises(ApplicationSecretsError) as refused:
        read_application_secrets(secretsmanager, arn)

    # Then
    assert str(refused.value).startswith(f"secret {arn} lacks verifyToken: missing or empty")


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
    # Given the stack's functions, given their secret by ARN
    deps = composition.dependencies()
    secretsmanager = local_stack.aws.client("secretsmanager")
    stored = secretsmanager.describe_secret(SecretId=deps.settings.application_secret)

    # When they read their credentials
    secrets = deps.application_secrets

    # Then the secret is the stage's, and holds what the stack published
    assert stored["Name"] == ResourceNames(stage="local").application_secret
    endpoints = local_stack.endpoints
    assert secrets.spotify_client_id == endpoints.spotify_client_id
    assert secrets.spotify_client_secret.get_secret_value() == endpoints.spotify_client_secret
    assert secrets.verify_token.get_secret_value() == endpoints.verify_token
    assert secrets.app_secret.get_secret_value() == endpoints.app_secret


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
