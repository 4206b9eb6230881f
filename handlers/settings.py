"""One validated settings model per process, read from the environment at cold start."""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(RuntimeError):
    """The process cannot start: names every missing or invalid setting at once."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SIXPOTIFY_", frozen=True, extra="ignore")

    aws_region: str = Field(validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION"))
    aws_endpoint_url: str | None = Field(default=None, validation_alias="AWS_ENDPOINT_URL")
    database_url: SecretStr = Field(validation_alias="DATABASE_URL")

    lake_bucket: str
    genres_table: str
    waiters_table: str
    messages_table: str
    requests_queue_url: str
    converse_function: str

    spotify_api_url: str = "https://api.spotify.com/v1/"
    spotify_auth_url: str = "https://accounts.spotify.com/api/token"
    spotify_client_id: str
    spotify_client_secret: SecretStr

    graph_api_url: str = "https://graph.facebook.com/v21.0"
    page_access_token: SecretStr
    app_secret: SecretStr
    verify_token: SecretStr


def load_settings() -> Settings:
    try:
        return Settings()  # type: ignore[call-arg]  # every field comes from the environment
    except ValidationError as error:
        problems = []
        for issue in error.errors():
            field = str(issue["loc"][0]) if issue["loc"] else "?"
            variable = _environment_name(field)
            problems.append(f"{variable}: {issue['msg']}")
        raise SettingsError("invalid configuration: " + "; ".join(problems)) from None


def _environment_name(field: str) -> str:
    known = Settings.model_fields.get(field)
    alias = known.validation_alias if known else None
    if isinstance(alias, str):
        return alias
    if isinstance(alias, AliasChoices):
        return " or ".join(str(choice) for choice in alias.choices)
    return f"SIXPOTIFY_{field.upper()}"
