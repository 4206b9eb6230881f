"""Spotify's and Meta's credentials, and the webhook's verify token: two Secrets Manager
secrets, each holding a JSON document.

The operator types the credentials into the application secret; the deployment generates
the generated secret. They are kept apart so that no generator ever produces a document
holding an operator's value: CloudFormation regenerates a generated value whenever its
generator changes, and the credentials must survive every deployment.

Functions receive the secrets' ARNs, never their values, and read each once per cold start
(handlers/composition.py keeps what was read).
"""

from __future__ import annotations

import json
from typing import Any, ClassVar, TypeVar

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from contracts.secrets import VERIFY_TOKEN_FIELD


class ApplicationSecretsError(RuntimeError):
    """A secret cannot be used: says which secret and why, never a value."""


class _SecretDocument(BaseModel):
    """A secret's JSON document; its field names are the aliases."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")
    # How an operator puts missing fields right, for the error that names them.
    how_to_fill: ClassVar[str]

    @classmethod
    def document_fields(cls) -> tuple[str, ...]:
        """The document's field names, in declaration order."""
        return tuple(
            alias if isinstance(alias := field.validation_alias, str) else name
            for name, field in cls.model_fields.items()
        )

    def secret_string(self) -> str:
        """The JSON document to store in the secret, every value in clear."""
        return json.dumps(
            {
                document_field: _clear(getattr(self, name))
                for name, document_field in zip(
                    type(self).model_fields, self.document_fields(), strict=True
                )
            }
        )


class ApplicationSecrets(_SecretDocument):
    """What the operator enters: Spotify's client credentials and the Messenger page's."""

    how_to_fill = (
        "the deployment creates this secret holding {{}} and never writes it again; set them "
        "with aws secretsmanager put-secret-value --secret-id {secret_id}, giving every field "
        "of the document"
    )

    spotify_client_id: str = Field(validation_alias="spotifyClientId")
    spotify_client_secret: SecretStr = Field(validation_alias="spotifyClientSecret")
    page_access_token: SecretStr = Field(validation_alias="pageAccessToken")
    app_secret: SecretStr = Field(validation_alias="appSecret")


class GeneratedSecrets(_SecretDocument):
    """What the deployment generates: the token Meta echoes when the webhook is registered."""

    how_to_fill = (
        "the deployment generates them; put a long random string for each with aws "
        "secretsmanager put-secret-value --secret-id {secret_id}"
    )

    verify_token: SecretStr = Field(validation_alias=VERIFY_TOKEN_FIELD)


_Document = TypeVar("_Document", bound=_SecretDocument)


def read_application_secrets(client: Any, secret_id: str) -> ApplicationSecrets:
    """The operator's credentials from the secret `secret_id` (an ARN or a name), read with a
    boto3 Secrets Manager client. Every field must hold a non-empty string."""
    return _read(client, secret_id, ApplicationSecrets)


def read_generated_secrets(client: Any, secret_id: str) -> GeneratedSecrets:
    """The deployment's generated values from the secret `secret_id`, likewise."""
    return _read(client, secret_id, GeneratedSecrets)


def _read(client: Any, secret_id: str, model: type[_Document]) -> _Document:
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
    fields = model.document_fields()
    document = _json_object(secret.get("SecretString"))
    if document is None:
        raise ApplicationSecretsError(
            f"secret {secret_id} is not a JSON object with the fields {', '.join(fields)}"
        )
    unset = [
        field
        for field in fields
        if not isinstance(document.get(field), str) or not document[field].strip()
    ]
    if unset:
        raise ApplicationSecretsError(
            f"secret {secret_id} lacks {', '.join(unset)}: missing or empty; "
            + model.how_to_fill.format(secret_id=secret_id)
        )
    return model.model_validate(document)


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
