"""The daily refresh: every known artist fetched again through the Distributed Map, one child
execution per batch of the manifest PlanRefresh writes, however many batches there are; artists
Spotify no longer has are tombstoned once and left out from then on."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

import pytest
from pydantic import SecretStr

from adapters.spotify import SpotipyCatalog, make_spotify_client
from domain.ingest import SPOTIFY_BATCH_LIMIT
from domain.models import Artist, FetchedArtist, FetchOutcome, Track
from domain.refresh import manifest_key
from handlers import composition
from local.catalog import Catalog, CatalogArtist
from local.spotify_server import Endpoint, SpotifyServer
from local.stack import LocalStack
from stacks.workflow_definitions import REFRESH_RESULTS_PREFIX
from tests.fakes import InMemoryGenres, RecordingLake
from tests.stack_probes import stack_operations, table_rows
from tests.swapped_adapters import handlers_using

KNOWN_ARTISTS = 1000
FIRST_FETCHED_AT = datetime(2026, 11, 1, tzinfo=UTC)
REFRESH_AS_OF = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
_CLIENT_ID = "sixpotify-refresh-test"
_CLIENT_SECRET = SecretStr("sixpotify-refresh-test-secret")


def _larger_catalog(catalog: Catalog, size: int) -> Catalog:
    """The catalog with generated artists added until it holds `size` of them."""
    extra = {
        artist_id: CatalogArtist(
            id=artist_id,
            name=f"Generated Artist {number}",
            genres=("refresh test",),
            popularity=number % 100,
            followers=number * 10,
            image_url=None,
            spotify_url=f"https://open.spotify.com/artist/{artist_id}",
            generated=True,
        )
        for number in range(size - len(catalog.artists))
        if (artist_id := f"refresh{number:015d}")
    }
    return dataclasses.replace(catalog, artists=MappingProxyType({**catalog.artists, **extra}))


@pytest.fixture(scope="module")
def large_spotify(local_stack: LocalStack) -> Iterator[SpotifyServer]:
    with SpotifyServer(
        _larger_catalog(local_stack.catalog, KNOWN_ARTISTS), _CLIENT_ID, _CLIENT_SECRET
    ) as server:
        yield server


def test_a_daily_refresh_fetches_every_known_artist_again(
    clean_stack: LocalStack, large_spotify: SpotifyServer
) -> None:
    # Given 1,000 known artists, fetched weeks ago, and a Spotify that has them all
    large_spotify.reset_calls()
    known = sorted(large_spotify.catalog.artists.values(), key=lambda a: a.id)
    composition.dependencies().repository.save_fetched(
        [
            FetchedArtist(artist=Artist(id=a.id, name=a.name, spotify_url=a.spotify_url))
            for a in known
        ],
        FIRST_FETCHED_AT,
    )
    spotify = SpotipyCatalog(
        make_spotify_client(
            large_spotify.api_url, large_spotify.token_url, _CLIENT_ID, _CLIENT_SECRET
        )
    )
    operations = stack_operations(clean_stack)

    # When the refresh runs
    started = time.monotonic()
    with handlers_using(composition.Adapters(spotify=spotify)):
        execution_arn = operations.start_refresh(REFRESH_AS_OF)
        clean_stack.wait_for_execution(execution_arn, 120)

    # Then every artist was fetched again, in batches of 50, as of the refresh time
    assert time.monotonic() - started < 60
    assert large_spotify.calls[Endpoint.ARTISTS] == KNOWN_ARTISTS // 50
    artists = table_rows(clean_stack, "artists")
    assert len(artists) == KNOWN_ARTISTS
    assert {row[-1] for row in artists} == {REFRESH_AS_OF}
    assert {row[3] for row in artists} != {None}
    # And the manifest the Map read is under the refresh's own key, one array per batch
    s3 = clean_stack.aws.client("s3")
    manifest = json.loads(
        s3.get_object(Bucket=clean_stack.resources.lake_bucket, Key=manifest_key(REFRESH_AS_OF))[
            "Body"
        ].read()
    )
    assert sorted(artist_id for batch in manifest for artist_id in batch) == [a.id for a in known]
    assert {len(batch) for batch in manifest} == {50}
    # And nothing went to the dead-letter queue
    assert operations.dead_letters() == []


# Step Functions' quota on what a Map gathers from its children (local/state_limits.py).
MAP_RESULT_QUOTA_BYTES = 256 * 1024


def _refresh(stack: LocalStack, as_of: datetime) -> str:
    """Run the refresh as of that time to its end; its execution's ARN."""
    execution_arn = stack_operations(stack).start_refresh(as_of)
    stack.wait_for_execution(execution_arn, 300)
    return execution_arn


def _map_output(stack: LocalStack, execution_arn: str, map_state: str) -> dict[str, Any]:
    """What the Map state passed on when it ended."""
    events = stack.aws.client("stepfunctions").get_execution_history(
        executionArn=execution_arn, maxResults=1000
    )["events"]
    [exited] = [
        e["stateExitedEventDetails"]
        for e in events
        if e["type"] == "MapStateExited" and e["stateExitedEventDetails"]["name"] == map_state
    ]
    output: dict[str, Any] = json.loads(exited["output"])
    return output


def _store(artist_ids: Sequence[str]) -> None:
    composition.dependencies().repository.save_fetched(
        [
            FetchedArtist(
                artist=Artist(id=i, name=i, spotify_url=f"https://open.spotify.com/artist/{i}")
            )
            for i in artist_ids
        ],
        FIRST_FETCHED_AT,
    )


@dataclass
class EchoingSpotify:
    """A Spotify that has every artist but `gone`, answers at once with nothing but the
    artist, and remembers every batch it was asked for."""

    gone: frozenset[str] = frozenset()
    asked: list[tuple[str, ...]] = field(default_factory=list)

    def search_artist(self, query: str) -> Artist | None:
        raise NotImplementedError

    def search_track(self, query: str) -> Track | None:
        raise NotImplementedError

    def can_read_top_tracks(self, artist_id: str) -> bool:
        raise NotImplementedError

    def fetch_artists(self, artist_ids: Sequence[str]) -> FetchOutcome:
        self.asked.append(tuple(artist_ids))
        return FetchOutcome(
            fetched=tuple(
                FetchedArtist(
                    artist=Artist(id=i, name=i, spotify_url=f"https://open.spotify.com/artist/{i}")
                )
                for i in artist_ids
                if i not in self.gone
            ),
            not_found=tuple(i for i in artist_ids if i in self.gone),
        )


def _children_answering_ids_that_fit_the_quota() -> int:
    """How many children a Map could gather before ResultWriter and counts, when each answered
    with its batch's IDs: 50 IDs of 22 characters, about 1.3 KB a child."""
    batch = [f"refresh{number:015d}" for number in range(SPOTIFY_BATCH_LIMIT)]
    answer = {"ingested": batch, "not_found": [], "deferred": [], "retry_at": None, "failed": []}
    # One comma between answers in the gathered array.
    return MAP_RESULT_QUOTA_BYTES // (len(json.dumps(answer, separators=(",", ":"))) + 1)


def test_a_refresh_with_more_batches_than_their_id_lists_fit_in_256_kib_succeeds(
    clean_stack: LocalStack,
) -> None:
    # Given one batch of known artists more than a Map could gather if each child answered
    # with its batch's IDs (about 200 batches, 10,000 artists), and a Spotify that has them all
    batches = _children_answering_ids_that_fit_the_quota() + 1
    known = [f"refresh{number:015d}" for number in range(batches * SPOTIFY_BATCH_LIMIT)]
    _store(known)
    spotify = EchoingSpotify()

    # When the refresh runs
    with handlers_using(
        composition.Adapters(spotify=spotify, lake=RecordingLake(), genres=InMemoryGenres())
    ):
        execution_arn = _refresh(clean_stack, REFRESH_AS_OF)

    # Then it succeeded, each batch a child of its own, and every artist is fetched again
    assert len(spotify.asked) == batches
    assert sorted(i for batch in spotify.asked for i in batch) == known
    assert {row[-1] for row in table_rows(clean_stack, "artists")} == {REFRESH_AS_OF}
    # And the Map answered with where it wrote its children's answers, a few hundred bytes
    refreshed = _map_output(clean_stack, execution_arn, "RefreshArtists")["refreshed"]
    assert len(json.dumps(refreshed)) < 1024
    written = refreshed["ResultWriterDetails"]
    assert written["Bucket"] == clean_stack.resources.lake_bucket
    assert written["Key"].startswith(f"{REFRESH_RESULTS_PREFIX}/")


def test_an_artist_spotify_no_longer_has_is_tombstoned_once_and_left_out_after(
    clean_stack: LocalStack,
) -> None:
    # Given two known artists, one of which Spotify no longer has
    _store(["still-there", "gone-now"])
    spotify = EchoingSpotify(gone=frozenset({"gone-now"}))
    operations = stack_operations(clean_stack)

    # When the daily refresh runs
    with handlers_using(
        composition.Adapters(spotify=spotify, lake=RecordingLake(), genres=InMemoryGenres())
    ):
        _refresh(clean_stack, REFRESH_AS_OF)

    # Then the missing artist is tombstoned as of the refresh, and no dead letter sounds an
    # alarm for it
    assert spotify.asked == [("gone-now", "still-there")]
    assert table_rows(clean_stack, "artist_tombstones") == [("gone-now", REFRESH_AS_OF)]
    assert operations.dead_letters() == []

    # When the next day's refresh runs
    with handlers_using(
        composition.Adapters(spotify=spotify, lake=RecordingLake(), genres=InMemoryGenres())
    ):
        _refresh(clean_stack, REFRESH_AS_OF + timedelta(days=1))

    # Then Spotify is not asked for it again, and still nothing is dead-lettered
    assert spotify.asked[1:] == [("still-there",)]
    assert operations.dead_letters() == []
