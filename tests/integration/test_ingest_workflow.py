"""The ingest state machine, executed by moto, with the real handlers and stores."""

import json
from typing import Any

from local.stack import LocalStack
from tests.stack_probes import (
    item_count,
    lake_objects,
    similarity_lists,
    snapshot_tables,
    start_requested_ingest,
    table_rows,
)

DRAKE = "3TVXtAsR1Inumwj472S9r4"
FIFTY_CENT = "3q7HBObVc0L8jNeTe5Gofh"
EMINEM = "7dGJo4pcD2V6oG8kP0tJRR"
NICK_DRAKE = "5c3GLXai8YOMid29ZEuR9y"
UNKNOWN = "0000000000000000000000"


def _run(stack: LocalStack, name: str, artist_ids: list[str]) -> dict[str, Any]:
    output: dict[str, Any] = stack.wait_for_execution(
        start_requested_ingest(stack, name, artist_ids), 120
    )
    return output


def _raw_objects(stack: LocalStack) -> dict[str, bytes]:
    """Spotify's answers as fetched, without the tables derived from them."""
    return {key: body for key, body in lake_objects(stack).items() if key.startswith("raw/")}


def test_a_batch_from_the_queue_lands_in_every_store(clean_stack: LocalStack) -> None:
    # Given a pipe batch asking for three artists (one twice) and an ID Spotify lacks
    ids = [DRAKE, FIFTY_CENT, EMINEM, DRAKE, UNKNOWN]
    # When the ingest workflow runs
    output = _run(clean_stack, "batch-lands", ids)
    # Then each known artist is in PostgreSQL with genres, tracks and neighbours
    assert [row[0] for row in table_rows(clean_stack, "artists")] == sorted(
        [DRAKE, FIFTY_CENT, EMINEM]
    )
    ingested = {DRAKE, FIFTY_CENT, EMINEM}
    assert {row[0] for row in table_rows(clean_stack, "artist_genres")} == ingested
    assert {row[1] for row in table_rows(clean_stack, "tracks")} == ingested
    assert set(similarity_lists(clean_stack)[DRAKE]) == {FIFTY_CENT, EMINEM}
    # And Spotify's answers are in the lake under the day of the request, one key each
    assert sorted(_raw_objects(clean_stack)) == [
        f"raw/spotify/artists/dt=2026-11-27/{artist_id}.json"
        for artist_id in sorted([DRAKE, FIFTY_CENT, EMINEM])
    ]
    # And genres are in DynamoDB; the unknown ID is reported, not retried
    assert item_count(clean_stack, clean_stack.resources.genres_table) == 3
    [batch] = output["fetched"]
    assert batch["not_found"] == [UNKNOWN]


def test_the_raw_object_keeps_spotifys_answers(clean_stack: LocalStack) -> None:
    # When Drake is ingested
    _run(clean_stack, "raw-object", [DRAKE])
    # Then the lake object holds the artist, top tracks and audio features as Spotify sent them
    [body] = _raw_objects(clean_stack).values()
    raw = json.loads(body)
    assert raw["artist"]["id"] == DRAKE
    assert raw["artist"]["name"] == "Drake"
    assert len(raw["top_tracks"]["tracks"]) >= 5
    assert {f["id"] for f in raw["audio_features"]} <= {
        t["id"] for t in raw["top_tracks"]["tracks"]
    }


def test_replaying_the_same_input_leaves_the_same_state(clean_stack: LocalStack) -> None:
    # Given an ingest that already ran, with an ID Spotify does not have
    ids = [DRAKE, FIFTY_CENT, EMINEM, NICK_DRAKE, UNKNOWN]
    _run(clean_stack, "first-run", ids)
    tables, objects = snapshot_tables(clean_stack), lake_objects(clean_stack)
    # When the same input runs again as a new execution
    _run(clean_stack, "replay-run", ids)
    # Then every PostgreSQL row and every lake key and byte is the same
    assert snapshot_tables(clean_stack) == tables
    assert lake_objects(clean_stack) == objects
    assert all(rows for table, rows in tables.items() if table != "artist_aliases")


def test_newcomers_enter_the_lists_of_artists_already_known(clean_stack: LocalStack) -> None:
    # Given Drake is known with no similar artists yet
    _run(clean_stack, "drake-alone", [DRAKE])
    assert similarity_lists(clean_stack) == {}
    # When 50 Cent arrives in a later execution
    _run(clean_stack, "fifty-cent-arrives", [FIFTY_CENT])
    # Then Drake's list now holds 50 Cent, and 50 Cent's holds Drake
    assert similarity_lists(clean_stack) == {DRAKE: [FIFTY_CENT], FIFTY_CENT: [DRAKE]}
