"""CloudFormation's custom resource protocol: the request a function receives and the answer
it must PUT to the request's presigned URL, or the stack waits for an hour and fails."""

from __future__ import annotations

from typing import Any, Literal

import requests
from pydantic import BaseModel, ConfigDict, Field


class _Protocol(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")


class CustomResourceRequest(_Protocol):
    request_type: Literal["Create", "Update", "Delete"] = Field(validation_alias="RequestType")
    # A presigned S3 URL: its query string is a credential, so it is never logged.
    response_url: str = Field(validation_alias="ResponseURL", repr=False)
    stack_id: str = Field(validation_alias="StackId")
    request_id: str = Field(validation_alias="RequestId")
    logical_resource_id: str = Field(validation_alias="LogicalResourceId")
    physical_resource_id: str | None = Field(default=None, validation_alias="PhysicalResourceId")
    resource_properties: dict[str, Any] = Field(
        default_factory=dict, validation_alias="ResourceProperties"
    )


class CustomResourceResponse(_Protocol):
    status: Literal["SUCCESS", "FAILED"] = Field(serialization_alias="Status")
    reason: str = Field(serialization_alias="Reason")
    physical_resource_id: str = Field(serialization_alias="PhysicalResourceId")
    stack_id: str = Field(serialization_alias="StackId")
    request_id: str = Field(serialization_alias="RequestId")
    logical_resource_id: str = Field(serialization_alias="LogicalResourceId")
    # Readable with Fn::GetAtt; CloudFormation takes strings.
    data: dict[str, str] = Field(default_factory=dict, serialization_alias="Data")

    @classmethod
    def answering(
        cls,
        request: CustomResourceRequest,
        *,
        succeeded: bool,
        reason: str,
        physical_resource_id: str,
        data: dict[str, str] | None = None,
    ) -> CustomResourceResponse:
        return cls(
            status="SUCCESS" if succeeded else "FAILED",
            reason=reason,
            physical_resource_id=physical_resource_id,
            stack_id=request.stack_id,
            request_id=request.request_id,
            logical_resource_id=request.logical_resource_id,
            data=data or {},
        )


class CustomResourceAnswerError(RuntimeError):
    """The answer did not reach CloudFormation; says why, never the presigned URL."""


class CustomResourceResponder:
    """Delivers answers to CloudFormation through a requests session."""

    def __init__(self, session: requests.Session, timeout_seconds: float = 10) -> None:
        self._session = session
        self._timeout_seconds = timeout_seconds

    def answer(self, url: str, response: CustomResourceResponse) -> None:
        try:
            delivered = self._session.put(
                url,
                data=response.model_dump_json(by_alias=True).encode("utf-8"),
                # The presigned URL was signed without a content type: sending one breaks
                # the signature.
                headers={"content-type": ""},
                timeout=self._timeout_seconds,
            )
        except requests.RequestException as error:
            # requests' own messages quote the URL, signature included: none of it goes on.
            raise CustomResourceAnswerError(
                f"response URL unreachable: {type(error).__name__}"
            ) from None
        if not delivered.ok:
            raise CustomResourceAnswerError(
                f"response URL refused the answer: {delivered.status_code}"
            )
