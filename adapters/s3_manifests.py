"""domain.refresh.ManifestStore on S3: the refresh's batches as one JSON document, the
shape a Distributed Map's ItemReader (InputType JSON) reads."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


class S3Manifests:
    def __init__(self, client: S3Client, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def put_manifest(self, key: str, batches: Sequence[Sequence[str]]) -> None:
        body = json.dumps([list(batch) for batch in batches], separators=(",", ":"))
        self._client.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=body.encode("utf-8"),
            ContentType="application/json",
        )
