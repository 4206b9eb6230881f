"""domain.ports.SnapshotStore on S3: a rebuild's feature snapshot as one NumPy archive per
generation, which every shard reads whole."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from contracts.lake import SIMILARITY_SNAPSHOT_PREFIX

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def snapshot_key(generation: int) -> str:
    return f"{SIMILARITY_SNAPSHOT_PREFIX}/generation={int(generation)}.npz"


class S3Snapshots:
    def __init__(self, client: S3Client, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def put_snapshot(self, generation: int, arrays: Mapping[str, NDArray[Any]]) -> None:
        body = io.BytesIO()
        np.savez(body, allow_pickle=False, **arrays)
        self._client.put_object(
            Bucket=self._bucket,
            Key=snapshot_key(generation),
            Body=body.getvalue(),
            ContentType="application/octet-stream",
        )

    def get_snapshot(self, generation: int) -> dict[str, NDArray[Any]]:
        answer = self._client.get_object(Bucket=self._bucket, Key=snapshot_key(generation))
        # Arrays only: an archive holding pickled objects is refused, not unpickled.
        with np.load(io.BytesIO(answer["Body"].read()), allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}

    def delete_snapshot(self, generation: int) -> None:
        self._client.delete_object(Bucket=self._bucket, Key=snapshot_key(generation))
