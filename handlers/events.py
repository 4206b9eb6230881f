"""The shapes handlers receive: API Gateway HTTP API events and the ingest workflow's inputs."""

from __future__ import annotations

import base64
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from domain.models import ArtistRequest


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
        if self.is_base64_encoded:
            return base64.b64decode(self.body)
        return self.body.encode("utf-8")


class _SqsRecord(_Event):
    body: str


class RefreshRequest(_Event):
    """A request to (re)fetch known artists, from the daily refresh or an operator."""

    artist_ids: list[str] = Field(min_length=1)
    as_of: datetime | None = None


class PlanBatchesInput(_Event):
    """`request` is what started the execution: a batch of queue records from the pipe,
    or a refresh request."""

    request: list[_SqsRecord] | RefreshRequest
    started_at: datetime

    def artist_requests(self) -> list[ArtistRequest]:
        if isinstance(self.request, RefreshRequest):
            as_of = self.request.as_of or self.started_at
            return [ArtistRequest(artist_id=i, requested_at=as_of) for i in self.request.artist_ids]
        return [ArtistRequest.model_validate_json(record.body) for record in self.request]


class FetchArtistsInput(_Event):
    artist_ids: list[str] = Field(min_length=1, max_length=50)
    as_of: datetime


class ArtistIdsInput(_Event):
    artist_ids: list[str]
