"""The daily refresh: every known artist fetched again, planned as a manifest of ID batches
that the workflow's Distributed Map reads, one child execution per batch."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

from pydantic import BaseModel, ConfigDict

from domain.ingest import plan
from domain.ports import KnownArtists, ManifestStore

REFRESH_MANIFEST_PREFIX: Final = "manifests/refresh"


class RefreshPlan(BaseModel):
    """What PlanRefresh hands the workflow: where the batches are, and the time every
    batch is fetched as of."""

    model_config = ConfigDict(frozen=True)

    as_of: datetime
    manifest_key: str
    artist_count: int
    batch_count: int


def manifest_key(as_of: datetime) -> str:
    """One key per refresh time, so a replay of the same refresh rewrites its own manifest."""
    return f"{REFRESH_MANIFEST_PREFIX}/{as_of.astimezone(UTC):%Y-%m-%dT%H%M%SZ}.json"


def plan_refresh(as_of: datetime, known: KnownArtists, manifests: ManifestStore) -> RefreshPlan:
    """Every stored artist but those Spotify said it does not have, in batches."""
    ingest_plan = plan(as_of, known.refreshable_artist_ids())
    key = manifest_key(as_of)
    manifests.put_manifest(key, ingest_plan.batches)
    return RefreshPlan(
        as_of=as_of,
        manifest_key=key,
        artist_count=len(ingest_plan.artist_ids),
        batch_count=len(ingest_plan.batches),
    )
