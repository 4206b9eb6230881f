"""Planning the daily refresh: every known artist once, in batches Spotify accepts, written
as one manifest under a key named after the refresh's time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

from domain.refresh import manifest_key, plan_refresh

AS_OF = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


@dataclass
class KnownIds:
    """Stored artists, every one fetched at `fetched_at`."""

    ids: list[str]
    fetched_at: datetime = AS_OF

    def refreshable_artist_ids(self) -> list[str]:
        return self.ids

    def fetched_since(self, moment: datetime) -> int:
        return len(self.ids) if self.fetched_at >= moment else 0


@dataclass
class RecordingManifests:
    written: dict[str, list[list[str]]] = field(default_factory=dict)

    def put_manifest(self, key: str, batches: Sequence[Sequence[str]]) -> None:
        self.written[key] = [list(batch) for batch in batches]


def test_every_known_artist_is_in_one_batch_of_at_most_fifty() -> None:
    # Given 120 known artists
    known = KnownIds([f"artist{number:015d}" for number in range(120)])
    manifests = RecordingManifests()

    # When the refresh is planned
    plan = plan_refresh(AS_OF, known, manifests)

    # Then the manifest holds them all once, 50 at most per batch, under the plan's key
    [(key, batches)] = manifests.written.items()
    assert key == plan.manifest_key
    assert [len(batch) for batch in batches] == [50, 50, 20]
    assert [i for batch in batches for i in batch] == known.ids
    assert (plan.artist_count, plan.batch_count, plan.as_of) == (120, 3, AS_OF)


def test_the_manifest_key_depends_on_the_refresh_time_only() -> None:
    # Given the same instant in two time zones, and a second later
    seoul = AS_OF.astimezone(timezone(timedelta(hours=9)))

    # When their keys are made
    keys = {manifest_key(AS_OF), manifest_key(seoul), manifest_key(AS_OF + timedelta(seconds=1))}

    # Then the same instant shares a key and another instant has its own
    assert keys == {
        "manifests/refresh/2026-11-28T030000Z.json",
        "manifests/refresh/2026-11-28T030001Z.json",
    }
