"""The ingest workflow for an app Spotify gives less than full access: artists still arrive,
and similar artists are still found from their genres."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from adapters.spotify import SpotifyEndpoint, SpotipyCatalog, make_spotify_client
from handlers import composition
from local.spotify_server import AccessMode
from local.stack import LocalStack
from tests.stack_probes import similarity_lists, table_rows
from tests.swapped_adapters import handlers_using

RAPPERS = {
    "1ZwdS5xdxEREPySFridCfh": "2Pac",
    "3q7HBObVc0L8jNeTe5Gofh": "50 Cent",
    "7dGJo4pcD2V6oG8kP0tJRR": "Eminem",
    "1HwM5zlC5qNWhJtM00yXzG": "DMX",
    "58oPVy7oihAEXE0Ott6JOf": "Eve",
}
_POPULARITY, _FOLLOWERS = 3, 4  # columns of the artists table


@contextlib.contextmanager
def spotify_app_in(stack: LocalStack, mode: AccessMode) -> Iterator[SpotipyCatalog]:
    """The stand-in plays `mode`, and the handlers use an adapter fresh as after a cold start
    (the stack's own would remember the refused endpoints for the rest of the session)."""
    deps = composition.dependencies()
    adapter = SpotipyCatalog(
        make_spotify_client(
            api_url=deps.settings.spotify_api_url,
            token_url=deps.settings.spotify_auth_url,
            client_id=deps.application_secrets.spotify_client_id,
            client_secret=deps.application_secrets.spotify_client_secret,
        )
    )
    previous = stack.spotify.mode
    stack.spotify.mode = mode
    try:
        with handlers_using(composition.Adapters(spotify=adapter)):
            yield adapter
    finally:
        stack.spotify.mode = previous


def _similar_ids_by_artist(stack: LocalStack) -> dict[str, set[str]]:
    return {artist_id: set(found) for artist_id, found in similarity_lists(stack).items()}


def test_without_audio_features_rappers_are_ingested_and_find_each_other(
    clean_stack: LocalStack,
) -> None:
    # Given an app created after 2024-11-27: audio features answer 403
    with spotify_app_in(clean_stack, AccessMode.NEW_APP_2024) as adapter:
        # When a few rappers are ingested
        clean_stack.ingest(list(RAPPERS), name="access-mode-new-app-2024")

    # Then every rapper is stored with its top tracks, but no audio features
    assert {row[0] for row in table_rows(clean_stack, "artists")} == set(RAPPERS)
    assert {row[1] for row in table_rows(clean_stack, "tracks")} == set(RAPPERS)
    assert table_rows(clean_stack, "audio_features") == []
    # And the adapter learned that audio features are closed, and nothing else
    assert adapter.closed_endpoints == {SpotifyEndpoint.AUDIO_FEATURES}
    # And each rapper's similar artists are the other rappers
    similar = _similar_ids_by_artist(clean_stack)
    assert set(similar) == set(RAPPERS)
    assert all(ids and ids <= set(RAPPERS) - {one} for one, ids in similar.items())


def test_in_development_mode_rappers_are_ingested_from_single_lookups_and_genres(
    clean_stack: LocalStack,
) -> None:
    # Given a Development Mode app: no batch artists, top tracks, audio features or popularity
    with spotify_app_in(clean_stack, AccessMode.DEVELOPMENT) as adapter:
        # When a few rappers are ingested
        clean_stack.ingest(list(RAPPERS), name="access-mode-development")

    # Then every rapper is stored, without popularity or followers, tracks or audio features
    artists = table_rows(clean_stack, "artists")
    assert {row[0] for row in artists} == set(RAPPERS)
    assert all(row[_POPULARITY] is None and row[_FOLLOWERS] is None for row in artists)
    assert table_rows(clean_stack, "tracks") == []
    assert table_rows(clean_stack, "audio_features") == []
    # And the adapter learned which endpoints are closed
    assert adapter.closed_endpoints == {SpotifyEndpoint.ARTISTS, SpotifyEndpoint.TOP_TRACKS}
    # And the rappers' genres still make them each other's similar artists
    similar = _similar_ids_by_artist(clean_stack)
    assert set(similar) == set(RAPPERS)
    assert all(ids and ids <= set(RAPPERS) - {one} for one, ids in similar.items())
