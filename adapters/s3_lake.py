"""The lake: Spotify's answers as received, one object per artist and day, and Parquet copies
of them, one file per table, batch and day. docs/lake.md describes the layout."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING

from contracts.lake import RAW_ARTISTS_PREFIX
from domain.models import FetchedArtist

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

    from adapters.lake_tables import LakeTable

PARQUET_CONTENT_TYPE = "application/vnd.apache.parquet"


def raw_artist_key(artist_id: str, day: date) -> str:
    """Hive-style partition so Athena can prune by day."""
    return f"{RAW_ARTISTS_PREFIX}/dt={day.isoformat()}/{artist_id}.json"


class S3RawLake:
    """`tables` turns a batch into its Parquet tables (adapters.lake_tables.lake_tables). It is
    passed in so that importing this module, as every function does, loads no pyarrow."""

    def __init__(
        self,
        client: S3Client,
        bucket: str,
        tables: Callable[[Sequence[FetchedArtist], date], Sequence[LakeTable]],
    ) -> None:
        self._client = client
        self._bucket = bucket
        self._tables = tables

    def put_raw(self, fetched: FetchedArtist, day: date) -> str:
        key = raw_artist_key(fetched.artist.id, day)
        # Sorted keys and no timestamps: a replay writes the very same bytes.
        body = json.dumps(
            {"artist_id": fetched.artist.id, "dt": day.isoformat(), **fetched.raw},
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")
        self._client.put_object(
            Bucket=self._bucket, Key=key, Body=body, ContentType="application/json"
        )
        return key

    def put_tables(self, fetched: Sequence[FetchedArtist], day: date) -> list[str]:
        keys = []
        for table in self._tables(fetched, day):
            self._client.put_object(
                Bucket=self._bucket,
                Key=table.key,
                Body=table.to_parquet(),
                ContentType=PARQUET_CONTENT_TYPE,
            )
            keys.append(table.key)
        return keys
