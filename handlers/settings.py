"""One validated settings model per process, read from the environment at cold start.

No setting holds a secret value: the application's credentials and generated values are read
from Secrets Manager by ARN (adapters/secrets.py), and deployed functions reach PostgreSQL
through RDS Proxy with an IAM token. Only a DATABASE_URL, used on one machine and in tests, may
carry a password, so it is kept out of repr.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict

from adapters.messenger import GRAPH_API_URL

_URL_VARIABLE = "DATABASE_URL"
_ENDPOINT = (
    "SIXPOTIFY_DATABASE_HOST, SIXPOTIFY_DATABASE_PORT, SIXPOTIFY_DATABASE_NAME and "
    "SIXPOTIFY_DATABASE_USER"
)
# The type of the error that names its own variables.
_DATABASE_PROBLEM = "database_settings"


class SettingsError(RuntimeError):
    """The process cannot start: names every missing or invalid setting at once."""


@dataclass(frozen=True)
class DatabaseEndpoint:
    """A database reached with an IAM auth token: an RDS Proxy endpoint in practice."""

    host: str
    port: int
    name: str
    user: str


class DatabaseSettings(BaseSettings):
    """What a process that talks to PostgreSQL only needs: the migration function's settings.

    The database is given one of two ways, never both: DATABASE_URL, or the host, port,
    name and user of an endpoint that takes IAM tokens.
    """

    # An empty variable counts as unset, so that it never passes for a second way to connect.
    model_config = SettingsConfigDict(
        env_prefix="SIXPOTIFY_", frozen=True, extra="ignore", env_ignore_empty=True
    )

    aws_region: str = Field(validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION"))
    aws_endpoint_url: str | None = Field(default=None, validation_alias="AWS_ENDPOINT_URL")

    database_url: SecretStr | None = Field(default=None, validation_alias=_URL_VARIABLE)
    database_host: str | None = None
    database_port: int = Field(default=5432, gt=0, lt=65536)
    database_name: str | None = None
    database_user: str | None = None
    # The RDS Proxy whose targets the schema migrations wait for before connecting; without
    # it (one machine, tests) they connect at once.
    database_proxy: str | None = None

    @field_validator("database_user")
    @classmethod
    def _one_way_to_the_database(cls, user: str | None, info: ValidationInfo) -> str | None:
        # The last database field, validated even when unset (validate_default), so it sees
        # the others; a field rule rather than a model rule so that its problem is reported
        # together with every other one. The port alone does not count: it has a default.
        given = {
            "SIXPOTIFY_DATABASE_HOST": info.data.get("database_host"),
            "SIXPOTIFY_DATABASE_NAME": info.data.get("database_name"),
            "SIXPOTIFY_DATABASE_USER": user,
        }
        missing = [variable for variable, value in given.items() if value is None]
        if info.data.get("database_url") is not None:
            if len(missing) < len(given):
                raise _database_problem(f"set either {_URL_VARIABLE} or {_ENDPOINT}, not both")
        elif len(missing) == len(given):
            raise _database_problem(
                f"no database: set {_URL_VARIABLE}, or {_ENDPOINT} (the port defaults to 5432)"
            )
        elif missing:
            raise _database_problem(
                f"a database reached with IAM tokens also needs {', '.join(missing)}"
            )
        return user

    @property
    def database(self) -> SecretStr | DatabaseEndpoint:
        """The database URL, or the endpoint to log in to with an IAM auth token."""
        if self.database_url is not None:
            return self.database_url
        # All three are set once validated; the check tells the type checker so.
        if self.database_host is None or self.database_name is None or self.database_user is None:
            raise SettingsError("database settings were not validated")
        return DatabaseEndpoint(
            host=self.database_host,
            port=self.database_port,
            name=self.database_name,
            user=self.database_user,
        )


class Settings(DatabaseSettings):
    """Everything the application's functions read from their environment."""

    lake_bucket: str
    genres_table: str
    waiters_table: str
    messages_table: str
    last_answers_table: str
    requests_queue_url: str
    converse_function: str
    # Where the functions' metrics go (adapters/emf_metrics.py): one namespace a stage. Without
    # it none are written: the local stack run by hand, whose output is its operator's.
    metric_namespace: str | None = None
    # The ARNs (or names) of the Secrets Manager secrets holding the operator's credentials
    # and the deployment's generated values.
    application_secret: str
    generated_secret: str

    spotify_api_url: str = "https://api.spotify.com/v1/"
    spotify_auth_url: str = "https://accounts.spotify.com/api/token"
    graph_api_url: str = GRAPH_API_URL


_Loaded = TypeVar("_Loaded", bound=DatabaseSettings)


def load_settings() -> Settings:
    """The application's settings from the environment; SettingsError names every problem."""
    return _load(Settings)


def load_database_settings() -> DatabaseSettings:
    """The database settings alone, for a process that needs nothing else."""
    return _load(DatabaseSettings)


def _load(model: type[_Loaded]) -> _Loaded:
    try:
        return model()  # type: ignore[call-arg]  # every field comes from the environment
    except ValidationError as error:
        problems = [_problem(model, issue) for issue in error.errors()]
        raise SettingsError("invalid configuration: " + "; ".join(problems)) from None


def _database_problem(message: str) -> PydanticCustomError:
    return PydanticCustomError(_DATABASE_PROBLEM, message)


def _problem(model: type[DatabaseSettings], issue: Any) -> str:
    if issue["type"] == _DATABASE_PROBLEM:
        return str(issue["msg"])
    variable = _environment_name(model, str(issue["loc"][0]))
    return f"{variable}: {issue['msg']}"


def _environment_name(model: type[DatabaseSettings], key: str) -> str:
    # Errors locate a field by its name, or by the alias it was looked up under.
    for name, field in model.model_fields.items():
        variables = _aliases(field.validation_alias) or [f"SIXPOTIFY_{name.upper()}"]
        if key == name or key in variables:
            return " or ".join(variables)
    return key


def _aliases(alias: object) -> list[str]:
    if isinstance(alias, AliasChoices):
        return [str(choice) for choice in alias.choices]
    return [alias] if isinstance(alias, str) else []
