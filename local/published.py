"""What a running `sixpotify local up` publishes about itself in .sixpotify/local.json, and
the one way it is written and read back.

The stack writes it from `PublishedStack`, and every local tool (chat, status, the operator's
commands, the backfill) reads it back into the same model, so writer and readers cannot
disagree about a field. It carries the addresses a client needs and what the functions'
settings hold, so that a local tool builds the same composition root the functions use.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from handlers.composition import Dependencies
from handlers.settings import Settings
from local.aws import REGION, use_local_credentials

LOCAL_JSON = "local.json"


class NoRunningStackError(RuntimeError):
    """There is no local.json: no `sixpotify local up` is running for this folder."""


class IncompletePublicationError(NoRunningStackError):
    """local.json lacks fields this version reads: another version of the stack wrote it."""


@dataclass(frozen=True)
class PublishedStack:
    """What a client of the running stack needs, and what the functions' settings hold."""

    webhook_url: str
    graph_sent_url: str
    spotify_url: str
    spotify_token_url: str
    spotify_control_url: str
    spotify_client_id: str
    spotify_client_secret: str
    database_url: str
    verify_token: str
    app_secret: str
    page_id: str
    aws_endpoint_url: str
    ingest_state_machine_arn: str
    requests_queue_url: str
    dead_letter_queue_url: str
    converse_failures_queue_url: str
    chat_url: str
    lake_bucket: str
    genres_table: str
    waiters_table: str
    messages_table: str
    last_answers_table: str
    converse_function: str
    graph_api_url: str
    # The Secrets Manager secrets the functions read their credentials from, in moto.
    application_secret_arn: str
    generated_secret_arn: str

    @classmethod
    def read(cls, local_json: Path) -> PublishedStack:
        """What the running stack published; NoRunningStackError when there is none, and
        IncompletePublicationError naming the fields a file written by another version lacks."""
        if not local_json.exists():
            raise NoRunningStackError(
                f"no running stack: start one with `sixpotify local up` ({local_json} is missing)"
            )
        details = json.loads(local_json.read_text(encoding="utf-8"))
        names = [field.name for field in dataclasses.fields(cls)]
        missing = [name for name in names if name not in details]
        if missing:
            raise IncompletePublicationError(
                f"{local_json} lacks {', '.join(missing)}: another version of the stack wrote "
                "it; start the stack again with `sixpotify local up`"
            )
        return cls(**{name: str(details[name]) for name in names})

    def write(self, local_json: Path) -> None:
        """Owner-only from its creation, and renamed into place whole: a client polling for
        the file never reads it half written, and nobody else ever reads the secrets it holds."""
        staged = local_json.with_suffix(".tmp")
        descriptor = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as staged_file:
            staged_file.write(json.dumps(dataclasses.asdict(self), indent=2) + "\n")
        staged.replace(local_json)

    def function_settings(self) -> Settings:
        """The settings the stack's functions run with."""
        return Settings(
            aws_region=REGION,
            aws_endpoint_url=self.aws_endpoint_url,
            database_url=SecretStr(self.database_url),
            lake_bucket=self.lake_bucket,
            genres_table=self.genres_table,
            waiters_table=self.waiters_table,
            messages_table=self.messages_table,
            last_answers_table=self.last_answers_table,
            requests_queue_url=self.requests_queue_url,
            converse_function=self.converse_function,
            application_secret=self.application_secret_arn,
            generated_secret=self.generated_secret_arn,
            spotify_api_url=self.spotify_url,
            spotify_auth_url=self.spotify_token_url,
            graph_api_url=self.graph_api_url,
        )


@contextlib.contextmanager
def functions_root(published: PublishedStack) -> Iterator[Dependencies]:
    """The composition root the stack's functions are built by, built in this process: the
    application's secrets are read from the stack's Secrets Manager, as on AWS. Its database
    connections close when the block ends: a command ends long before a function's root would."""
    use_local_credentials()
    dependencies = Dependencies(published.function_settings())
    try:
        yield dependencies
    finally:
        dependencies.close()
