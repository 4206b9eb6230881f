"""Spotify's and Meta's credentials: one Secrets Manager secret holding a JSON document.

Functions receive the secret's ARN, never its values, and read it once per cold start
(handlers/composition.py keeps what was read).
"""

from __future__ import annotations

import json
from typing import Any, Final

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict, Field, SecretStr

# Meta only echoes the verify token back, so the deployment may generate it.
VERIFY_TOKEN_FIELD: Final = "verifyToken"  # noqa: S105  # a field's name, not a value


class ApplicationSecretsError(RuntimeError):
    """The application secret cannot be used: says which secret and why, never a value."""


def _document_field(name: str) -> str:
    alias = ApplicationSecrets.model_fields[name].validation_alias
    return alias if isinstance(alias, str) else name


class ApplicationSecrets(BaseModel):
    """The secret's JSON document; its field names are the aliases."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    spotify_client_id: str = Field(validation_alias="spotifyClientId")
    spotify_client_secret: SecretStr = Field(validation_alias="spotifyClientSecret")
    page_access_token: SecretStr = Field(validation_alias="pageAccessToken")
    app_secret: SecretStr = Field(validation_alias="appSecret")
    verify_token: SecretStr = Field(validation_alias=VERIFY_TOKEN_FIELD)

    def secret_string(self) -> str:
        """The JSON document to store in the secret, every value in clear."""
        return json.dumps(
            {
                _document_field(name): _clear(getattr(self, name))
                for name, field in type(self).model_fields.items()
            }
        )


# The document's field names, for whatever creates the secret or documents it.
APPLICATION_SECRET_FIELDS: Final[tuple[str, ...]] = tuple(
    _document_field(name) for name in ApplicationSecrets.model_fields
)


def read_application_secrets(client: Any, secret_id: str) -> ApplicationSecrets:
    """The current version of the secret `secret_id` (an ARN or a name), read with a boto3
    Secrets Manager client. Every field must hold a non-empty string: the secret is created
    with empty placeholders that an operator replaces."""
    try:
        secret = client.get_secret_value(SecretId=secret_id)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code == "ResourceNotFoundException":
            raise ApplicationSecretsError(f"secret {secret_id} does not exist") from None
        raise ApplicationSecretsError(f"cannot read secret {secret_id}: {code}") from None
    except BotoCoreError as error:
        raise ApplicationSecretsError(
            f"cannot read secret {secret_id}: {type(error).__name__}"
        ) from None
    document = _json_object(secret.get("SecretString"))
    if document is None:
        raise ApplicationSecretsError(
            f"secret {secret_id} is not a JSON object with the fields "
            f"{', '.join(APPLICATION_SECRET_FIELDS)}"
        )
    unset = [
        field
        for field in APPLICATION_SECRET_FIELDS
        if not isinstance(document.get(field), str) or not document[field].strip()
    ]
    if unset:
        raise ApplicationSecretsError(
            f"secret {secret_id} lacks {', '.join(unset)}: missing or empty (the secret is "
            "created with empty placeholders); set them with aws secretsmanager "
            f"put-secret-value --secret-id {secret_id}, giving every field of the document"
        )
    return ApplicationSecrets.model_validate(document)


def _json_object(text: object) -> dict[str, Any] | None:
    if not isinstance(text, str):
        return None
    try:
        document = json.loads(text)
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def _clear(value: object) -> object:
    return value.get_secret_value() if isinstance(value, SecretStr) else value
