"""A 5xx storm on the Spotify stand-in, started over its HTTP control as the chaos runner and
`sixpotify local up --spotify-server-errors` start it: for a number of calls or of seconds."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest
import requests

from local.catalog import Catalog
from local.cli import _server_errors
from local.spotify_server import ServerErrors, SpotifyServer
from tests.fixtures.spotify import SPOTIFY_TEST_CLIENT_ID, SPOTIFY_TEST_CLIENT_SECRET

DRAKE_ID = "3TVXtAsR1Inumwj472S9r4"


class ManualClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def server(spotify_catalog: Catalog, clock: ManualClock) -> Iterator[SpotifyServer]:
    """A stand-in of its own whose storms end on `clock`."""
    with SpotifyServer(
        spotify_catalog, SPOTIFY_TEST_CLIENT_ID, SPOTIFY_TEST_CLIENT_SECRET, clock=clock
    ) as stand_in:
        yield stand_in


@pytest.fixture
def auth(server: SpotifyServer) -> dict[str, str]:
    token = requests.post(
        server.token_url,
        data={"grant_type": "client_credentials"},
        auth=(SPOTIFY_TEST_CLIENT_ID, SPOTIFY_TEST_CLIENT_SECRET.get_secret_value()),
        timeout=5,
    ).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def artist_status(server: SpotifyServer, auth: dict[str, str]) -> int:
    return requests.get(f"{server.api_url}artists/{DRAKE_ID}", headers=auth, timeout=5).status_code


def control(server: SpotifyServer, fields: object) -> requests.Response:
    return requests.post(server.control_url, json=fields, timeout=5)


def test_a_storm_of_n_calls_answers_them_with_its_status_then_ends(
    server: SpotifyServer, auth: dict[str, str]
) -> None:
    # Given a storm of 502s for the next 2 calls, started over HTTP
    started = control(server, {"server_errors": {"status": 502, "calls": 2}})

    # When three calls are made
    first = requests.get(f"{server.api_url}artists/{DRAKE_ID}", headers=auth, timeout=5)
    second, third = artist_status(server, auth), artist_status(server, auth)

    # Then the first two get Spotify's 502 error body and the third the artist
    assert started.json()["server_errors"] == {"status": 502, "calls": 2, "seconds": None}
    assert (first.status_code, second, third) == (502, 502, 200)
    assert first.json() == {"error": {"status": 502, "message": "Bad Gateway"}}
    # And the storm is over in what the control reports
    assert requests.get(server.control_url, timeout=5).json()["server_errors"] is None


def test_a_storm_of_t_seconds_refuses_every_call_until_its_time_is_up(
    server: SpotifyServer, auth: dict[str, str], clock: ManualClock
) -> None:
    # Given a storm of 503s for 10 seconds
    control(server, {"server_errors": {"seconds": 10}})

    # When calls are made 9 seconds in, then 10 seconds in
    clock.now += 9
    during = [artist_status(server, auth) for _ in range(3)]
    left = requests.get(server.control_url, timeout=5).json()["server_errors"]
    clock.now += 1
    after = artist_status(server, auth)

    # Then every call during the storm was a 503, and the first after it the artist
    assert during == [503, 503, 503]
    assert left == {"status": 503, "calls": None, "seconds": 1.0}
    assert after == 200


def test_a_storm_ends_when_set_to_null_and_token_requests_pass_through_it(
    server: SpotifyServer, auth: dict[str, str]
) -> None:
    # Given a long storm
    control(server, {"server_errors": {"status": 500, "calls": 1000}})

    # When a token is asked for during it, then the storm is ended over HTTP
    token = requests.post(
        server.token_url,
        data={"grant_type": "client_credentials"},
        auth=(SPOTIFY_TEST_CLIENT_ID, SPOTIFY_TEST_CLIENT_SECRET.get_secret_value()),
        timeout=5,
    )
    during = artist_status(server, auth)
    ended = control(server, {"server_errors": None})

    # Then the storm refused API calls only, and ended at once
    assert token.status_code == 200
    assert during == 500
    assert ended.json()["server_errors"] is None
    assert artist_status(server, auth) == 200


@pytest.mark.parametrize(
    "storm",
    [
        {"status": 404, "calls": 3},
        {"status": 503},
        {"status": 503, "calls": 0},
        {"status": 503, "seconds": -1},
    ],
)
def test_a_storm_that_is_not_5xx_or_never_ends_is_refused(
    server: SpotifyServer, auth: dict[str, str], storm: dict[str, int]
) -> None:
    # When a storm is asked for that the stand-in cannot play
    refused = control(server, {"server_errors": storm})

    # Then it is a 400 and nothing changed
    assert refused.status_code == 400
    assert artist_status(server, auth) == 200


def test_local_up_takes_a_storm_as_status_and_calls_or_seconds() -> None:
    # When the flag's values are read
    by_calls, by_seconds = _server_errors("503/20"), _server_errors("502/10s")

    # Then they name the storm, and a status that is not 5xx is refused
    assert by_calls == ServerErrors(status=503, calls=20)
    assert by_seconds == ServerErrors(status=502, seconds=10)
    with pytest.raises(argparse.ArgumentTypeError):
        _server_errors("429/20")
