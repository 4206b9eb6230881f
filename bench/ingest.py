"""Spotify calls per artist and artists per second when fetching artists for the ingest.

Fetches the catalog's first artists (sorted by ID) from the local Spotify stand-in, once with
full access (extended quota) and once in Development Mode, through the product's adapter in
batches of 50 as the ingest workflow does, and through a naive client that makes one call per
endpoint per artist (the artist, its top tracks, then the audio features of each top track).
The stand-in counts every request, the token included. Then, unless --no-stack, the same
artists go through the whole local stack's ingest workflow with full access:

    .venv/bin/python -m bench.ingest [--artists 500] [--no-stack]

Target: full access <= 1.05 Spotify calls per artist.
"""

from __future__ import annotations

import argparse
import logging
import secrets
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import requests
from pydantic import SecretStr

from adapters.spotify import (
    ARTISTS_PER_REQUEST,
    TOP_TRACKS_MARKET,
    SpotipyCatalog,
    make_spotify_client,
)
from local.catalog import Catalog, load_catalog
from local.spotify_server import AccessMode, Endpoint, SpotifyServer
from local.stack import start_local_stack

FULL_ACCESS_CALLS_PER_ARTIST_TARGET = 1.05
_CLIENT_ID = "sixpotify-bench"
_OK = 200


@dataclass(frozen=True)
class FetchRun:
    """One client fetching the benchmark's artists from a stand-in of its own."""

    client: str
    asked: int
    fetched: int
    calls: Counter[Endpoint]
    seconds: float

    @property
    def total_calls(self) -> int:
        return self.calls.total()

    @property
    def calls_per_artist(self) -> float:
        return self.total_calls / self.asked

    @property
    def artists_per_second(self) -> float:
        return self.asked / self.seconds


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--artists", type=int, default=500)
    parser.add_argument(
        "--no-stack", action="store_true", help="skip the run through the whole local stack"
    )
    args = parser.parse_args(argv)
    # spotipy logs every refused request with its URL; in Development Mode those refusals
    # are expected, and the adapter's own warning names each closed endpoint once.
    logging.getLogger("spotipy").setLevel(logging.CRITICAL)

    catalog = load_catalog()
    artist_ids = sorted(catalog.artists)[: args.artists]
    print(f"{len(artist_ids)} artists of {len(catalog.artists)} in the catalog")

    full_access_passes = True
    for mode in (AccessMode.EXTENDED_QUOTA, AccessMode.DEVELOPMENT):
        ours = _fetch_with_adapter(catalog, mode, artist_ids)
        naive = _fetch_naively(catalog, mode, artist_ids)
        print(f"\n{_mode_label(mode)}")
        for run in (ours, naive):
            _report(run)
        print(
            f"  naive / ours: {naive.calls_per_artist / ours.calls_per_artist:.1f} × the calls, "
            f"{ours.artists_per_second / naive.artists_per_second:.1f} × the artists/s"
        )
        if mode is AccessMode.EXTENDED_QUOTA:
            full_access_passes = ours.calls_per_artist <= FULL_ACCESS_CALLS_PER_ARTIST_TARGET
            print(
                f"\n{'PASS' if full_access_passes else 'FAIL'}: full access "
                f"{ours.calls_per_artist:.3f} calls per artist = "
                f"{ours.calls_per_artist / FULL_ACCESS_CALLS_PER_ARTIST_TARGET:.3f} × target "
                f"(≤ {FULL_ACCESS_CALLS_PER_ARTIST_TARGET} calls per artist)"
            )

    if not args.no_stack:
        _ingest_through_stack(catalog, artist_ids)
    if not full_access_passes:
        raise SystemExit(1)


def _fetch_with_adapter(catalog: Catalog, mode: AccessMode, artist_ids: list[str]) -> FetchRun:
    """The product's adapter, fresh as after a cold start, in batches as the workflow asks."""
    with _stand_in(catalog, mode) as (server, secret):
        adapter = SpotipyCatalog(
            make_spotify_client(server.api_url, server.token_url, _CLIENT_ID, secret)
        )
        fetched = 0
        started = time.perf_counter()
        for start in range(0, len(artist_ids), ARTISTS_PER_REQUEST):
            outcome = adapter.fetch_artists(artist_ids[start : start + ARTISTS_PER_REQUEST])
            if outcome.deferred:
                raise RuntimeError(f"the stand-in deferred {len(outcome.deferred)} artists")
            fetched += len(outcome.fetched)
        seconds = time.perf_counter() - started
        return FetchRun("ours", len(artist_ids), fetched, server.calls, seconds)


def _fetch_naively(catalog: Catalog, mode: AccessMode, artist_ids: list[str]) -> FetchRun:
    """One request per endpoint per artist, as a client written from the reference would."""
    with _stand_in(catalog, mode) as (server, secret), requests.Session() as session:
        fetched = 0
        started = time.perf_counter()
        token = session.post(
            server.token_url,
            data={"grant_type": "client_credentials"},
            auth=(_CLIENT_ID, secret.get_secret_value()),
            timeout=5,
        )
        token.raise_for_status()
        session.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        for artist_id in artist_ids:
            artist = session.get(f"{server.api_url}artists/{artist_id}", timeout=5)
            if artist.status_code != _OK:
                continue
            fetched += 1
            top_tracks = session.get(
                f"{server.api_url}artists/{artist_id}/top-tracks",
                params={"market": TOP_TRACKS_MARKET},
                timeout=5,
            )
            if top_tracks.status_code != _OK:
                continue
            for track in top_tracks.json()["tracks"]:
                session.get(f"{server.api_url}audio-features/{track['id']}", timeout=5)
        seconds = time.perf_counter() - started
        return FetchRun("naive", len(artist_ids), fetched, server.calls, seconds)


@contextmanager
def _stand_in(catalog: Catalog, mode: AccessMode) -> Iterator[tuple[SpotifyServer, SecretStr]]:
    """A stand-in of its own per run, so that each count starts from zero."""
    secret = SecretStr(secrets.token_urlsafe(24))
    with SpotifyServer(catalog, _CLIENT_ID, secret, mode=mode) as server:
        yield server, secret


def _ingest_through_stack(catalog: Catalog, artist_ids: list[str]) -> None:
    print("\nwhole local stack, full access: ingest workflow (Step Functions in moto)")
    with (
        tempfile.TemporaryDirectory(prefix="sixpotify-bench-") as state_dir,
        start_local_stack(Path(state_dir), catalog) as stack,
    ):
        stack.spotify.mode = AccessMode.EXTENDED_QUOTA
        stack.spotify.reset_calls()
        started = time.perf_counter()
        stack.ingest(
            artist_ids, name=f"bench-ingest-{int(time.time() * 1000)}", timeout_seconds=900
        )
        seconds = time.perf_counter() - started
        calls = stack.spotify.calls
        with (
            closing(psycopg2.connect(stack.endpoints.database_url)) as connection,
            connection.cursor() as cursor,
        ):
            cursor.execute("SELECT count(*) FROM artists")
            (stored,) = cursor.fetchone() or (0,)
    print(
        f"  {len(artist_ids)} artists asked, {stored} stored in {seconds:.1f} s: "
        f"{len(artist_ids) / seconds:.1f} artists/s end to end, "
        f"{calls.total() / len(artist_ids):.3f} Spotify calls per artist"
    )
    print(f"  {_by_endpoint(calls)}")


def _mode_label(mode: AccessMode) -> str:
    if mode is AccessMode.EXTENDED_QUOTA:
        return "full access (extended quota)"
    return "Development Mode"


def _report(run: FetchRun) -> None:
    print(
        f"  {run.client:<6} {run.fetched}/{run.asked} fetched  {run.total_calls:5d} calls  "
        f"{run.calls_per_artist:6.3f} calls/artist  {run.artists_per_second:7.1f} artists/s"
    )
    print(f"         {_by_endpoint(run.calls)}")


def _by_endpoint(calls: Counter[Endpoint]) -> str:
    return ", ".join(f"{endpoint} {count}" for endpoint, count in sorted(calls.items()))


if __name__ == "__main__":
    main()
