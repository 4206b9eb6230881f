"""The daily refresh: every known artist fetched again through the Distributed Map, one child
execution per batch of the manifest PlanRefresh writes."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from types import MappingProxyType

import pytest
from pydantic import SecretStr

from adapters.spotify import SpotipyCatalog, make_spotify_client
from domain.models import Artist, FetchedArtist
from domain.refresh import manifest_key
from handlers import composition
from local.catalog import Catalog, CatalogArtist
from local.spotify_server import Endpoint, SpotifyServer
from local.stack import LocalStack
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
    with handlers_using(spotify=spotify):
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
