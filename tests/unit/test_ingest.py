"""Fetching a batch: what Spotify has goes to every store; what it does not have is
tombstoned and counted, not treated as a failure; what it has again loses its tombstone."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from contracts.names import LogEvent
from domain.ingest import (
    IngestPorts,
    fetch_artists,
)
from tests.fakes import (
    FakeSpotify,
    InMemoryArtists,
    InMemoryGenres,
    InMemoryTombstones,
    RecordingLake,
    artist,
)

MONDAY = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
TUESDAY = MONDAY + timedelta(days=1)
DRAKE = artist("drake", "Drake", "rap")


def _ports(spotify: FakeSpotify, tombstones: InMemoryTombstones) -> IngestPorts:
    return IngestPorts(
        spotify=spotify,
        lake=RecordingLake(),
        genres=InMemoryGenres(),
        repository=InMemoryArtists(),
        tombstones=tombstones,
        clock=lambda: MONDAY,
    )


def _not_found_lines(caplog: pytest.LogCaptureFixture) -> list[tuple[int, list[str]]]:
    """The count and the IDs of each not-found log line."""
    return [
        (record.__dict__[LogEvent.ARTIST_COUNT], record.__dict__["artist_ids"])
        for record in caplog.records
        if getattr(record, "event", None) == LogEvent.ARTISTS_NOT_FOUND
    ]


def test_artists_spotify_does_not_have_are_tombstoned_and_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given a Spotify that has Drake and neither of two other IDs
    tombstones = InMemoryTombstones()
    ports = _ports(FakeSpotify(catalog={DRAKE.id: DRAKE}), tombstones)

    # When the batch is fetched
    with caplog.at_level(logging.WARNING):
        summary = fetch_artists(["drake", "gone", "never"], MONDAY, ports)

    # Then the two are reported and tombstoned as of the batch's time, and one log line
    # counts them for the metric and names them for the operator
    assert summary.ingested == ("drake",)
    assert summary.not_found == ("gone", "never")
    assert tombstones.buried == {"gone": MONDAY, "never": MONDAY}
    assert _not_found_lines(caplog) == [(2, ["gone", "never"])]


def test_a_replayed_batch_counts_no_artist_as_gone_twice(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given a batch whose "gone" was tombstoned by its first run
    tombstones = InMemoryTombstones()
    ports = _ports(FakeSpotify(catalog={DRAKE.id: DRAKE}), tombstones)
    fetch_artists(["drake", "gone"], MONDAY, ports)

    # When it is replayed with another ID Spotify does not have
    with caplog.at_level(logging.WARNING):
        summary = fetch_artists(["drake", "gone", "never"], MONDAY, ports)

    # Then both are reported not found, but only the new one is counted again
    assert summary.not_found == ("gone", "never")
    assert _not_found_lines(caplog)[-1] == (1, ["never"])
    assert len(_not_found_lines(caplog)) == 2


def test_an_artist_spotify_has_again_loses_its_tombstone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given Drake tombstoned on Monday, and a Spotify that has him again
    tombstones = InMemoryTombstones({"drake": MONDAY})
    ports = _ports(FakeSpotify(catalog={DRAKE.id: DRAKE}), tombstones)

    # When Tuesday's batch fetches him
    with caplog.at_level(logging.WARNING):
        summary = fetch_artists(["drake"], TUESDAY, ports)

    # Then he is ingested, his tombstone is gone, and nothing was counted as not found
    assert summary.ingested == ("drake",)
    assert tombstones.buried == {}
    assert _not_found_lines(caplog) == []
