"""The shapes handlers receive: API Gateway HTTP API events and the ingest workflow's inputs."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime, timedelta
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator

from domain.errors import MalformedRequestError
from domain.models import QUEUED_REQUEST, ArtistRequest, IngestSummary, QueuedRequest
from domain.similarity import SHARD_SIZE


class _Event(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class _Http(_Event):
    method: str


class _RequestContext(_Event):
    http: _Http


class HttpApiEvent(_Event):
    """API Gateway HTTP API, payload format 2.0."""

    request_context: _RequestContext = Field(alias="requestContext")
    headers: dict[str, str] = {}
    query: dict[str, str] = Field(default_factory=dict, alias="queryStringParameters")
    body: str | None = None
    is_base64_encoded: bool = Field(default=False, alias="isBase64Encoded")

    @field_validator("headers")
    @classmethod
    def _lower_case_names(cls, headers: dict[str, str]) -> dict[str, str]:
        return {name.lower(): value for name, value in headers.items()}

    @field_validator("query", mode="before")
    @classmethod
    def _absent_is_empty(cls, query: dict[str, str] | None) -> dict[str, str]:
        return query or {}

    @property
    def method(self) -> str:
        return self.request_context.http.method.upper()

    def raw_body(self) -> bytes:
        """The bytes the client sent, which is what Messenger's signature covers."""
        if self.body is None:
            return b""
        try:
            if self.is_base64_encoded:
                return base64.b64decode(self.body, validate=True)
            return self.body.encode("utf-8")
        except (binascii.Error, UnicodeEncodeError) as error:
            # API Gateway never builds such an event; no bytes could have been signed.
            raise MalformedRequestError("the event's body holds no bytes") from error


class _SqsRecord(_Event):
    body: str


class _InExecution(_Event):
    """A step of the workflow, told the name of its execution for its logs to carry (a step
    of a Map's child execution, the parent's)."""

    execution: str | None = None


class RefreshRequest(_Event):
    """A request to (re)fetch known artists, from the daily refresh or an operator."""

    artist_ids: list[str] = Field(min_length=1)
    as_of: datetime | None = None


class ResolveLookupsInput(_InExecution):
    """What started the execution: a batch of queue records from the pipe, each an artist
    request or a lookup, or an operator's request for given artists."""

    request: list[_SqsRecord] | RefreshRequest

    def queued_requests(self) -> list[QueuedRequest]:
        if isinstance(self.request, RefreshRequest):
            return []
        return [QUEUED_REQUEST.validate_json(record.body) for record in self.request]


class ResolveLookupsOutput(_Event):
    """The batch with every lookup replaced by the artist it found (or left out), in the
    records' shape PlanBatches reads; to_fetch counts its artists."""

    request: list[_SqsRecord] | RefreshRequest
    to_fetch: int

    @classmethod
    def of(cls, request: ResolveLookupsInput, to_fetch: list[ArtistRequest]) -> Self:
        if isinstance(request.request, RefreshRequest):
            return cls(request=request.request, to_fetch=len(request.request.artist_ids))
        records = [_SqsRecord(body=artist.model_dump_json()) for artist in to_fetch]
        return cls(request=records, to_fetch=len(records))


class PlanBatchesInput(_InExecution):
    """`request` is what started the execution, its lookups resolved: a batch of queue
    records from the pipe, or a refresh request."""

    request: list[_SqsRecord] | RefreshRequest
    started_at: datetime

    def artist_requests(self) -> list[ArtistRequest]:
        if isinstance(self.request, RefreshRequest):
            as_of = self.request.as_of or self.started_at
            return [ArtistRequest(artist_id=i, requested_at=as_of) for i in self.request.artist_ids]
        return [ArtistRequest.model_validate_json(record.body) for record in self.request]


class FetchArtistsInput(_InExecution):
    """One attempt at a batch. ingested and not_found are what earlier attempts on the same
    batch did (before a rate limit deferred the rest); artist_ids is what is left."""

    artist_ids: list[str] = Field(min_length=1, max_length=50)
    as_of: datetime
    ingested: list[str] = []
    not_found: list[str] = []


class FetchArtistsOutput(_Event):
    """Everything done for the batch so far, and what is still deferred until retry_at, a
    whole-second UTC time a Wait state's TimestampPath accepts."""

    ingested: list[str]
    not_found: list[str]
    deferred: list[str]
    retry_at: str | None

    @classmethod
    def after(cls, request: FetchArtistsInput, attempt: IngestSummary) -> FetchArtistsOutput:
        """What this attempt and the earlier ones on the same batch add up to."""
        return cls(
            ingested=[*request.ingested, *attempt.ingested],
            not_found=[*request.not_found, *attempt.not_found],
            deferred=list(attempt.deferred),
            retry_at=_wait_timestamp(attempt.retry_at) if attempt.retry_at else None,
        )


def _wait_timestamp(moment: datetime) -> str:
    """The moment in UTC as a Wait state's TimestampPath reads it, rounded up to the second
    so the wait never ends before Spotify's Retry-After does."""
    utc = moment.astimezone(UTC)
    if utc.microsecond:
        utc = utc.replace(microsecond=0) + timedelta(seconds=1)
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


class RefreshOptions(_Event):
    """`{"refresh": {...}}` starts a refresh of every known artist. as_of (the scheduled time
    in AWS) keeps a replay of the same refresh on the same manifest and lake keys."""

    as_of: datetime | None = None


class GiveUpStaleWaitersInput(_InExecution):
    """The refresh's first step, which needs nothing but its execution's name."""


class PlanRefreshInput(_InExecution):
    refresh: RefreshOptions
    started_at: datetime

    @property
    def as_of(self) -> datetime:
        return self.refresh.as_of or self.started_at


class ArtistIdsInput(_InExecution):
    artist_ids: list[str]


class RebuildOptions(_Event):
    """`{"rebuild": {...}}` starts a rebuild alone; shard_size sets how many artists each
    shard computes (the default suits a Lambda; a small one spreads a small catalog)."""

    shard_size: int = Field(default=SHARD_SIZE, ge=1)


class _RebuildState(_Event):
    """The execution's input as it reaches the rebuild: a rebuild request, or what the
    refresh left, which has no options."""

    rebuild: RebuildOptions = Field(default_factory=RebuildOptions)


class PrepareRebuildInput(_InExecution):
    input: _RebuildState


class ComputeShardInput(_InExecution):
    """One item of the rebuild's Map: a shard (domain.rebuild.RebuildShard, read by the one
    function that loads NumPy)."""

    shard: dict[str, Any]


class GenerationInput(_InExecution):
    """A step of a similarity rebuild that acts on one generation."""

    generation: int


class _StepError(_Event):
    error: str = Field(default="Unknown", alias="Error")
    cause: str = Field(default="", alias="Cause")


class AbandonRebuildInput(_InExecution):
    """The rebuild's generation and what a Catch recorded of the failure."""

    generation: int
    failure: _StepError = Field(default_factory=_StepError)
