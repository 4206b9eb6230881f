"""Connections through RDS Proxy log in with a fresh IAM token over verified TLS."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import certifi
import psycopg2
import pytest

from adapters.postgres.connect import (
    Patience,
    first_connection,
    iam_token_connector,
)
from contracts.database import CONNECT_TIMEOUT_SECONDS

PROXY_HOST = "sixpotify-dev-postgres-proxy.proxy-c0ffee.eu-west-1.rds.amazonaws.com"


class TokenCountingRds:
    """A real RDS client that remembers every token it made."""

    def __init__(self) -> None:
        self._client = boto3.client(
            "rds",
            region_name="eu-west-1",
            aws_access_key_id="AKIDEXAMPLE",
            aws_secret_access_key="not-a-real-secret",
        )
        self.tokens: list[str] = []

    def generate_db_auth_token(self, **arguments: Any) -> str:
        token: str = self._client.generate_db_auth_token(**arguments)
        self.tokens.append(token)
        return token


class RecordingConnect:
    """Stands in for psycopg2.connect: records each call's arguments."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, **arguments: Any) -> object:
        self.calls.append(arguments)
        return object()


def test_each_connection_logs_in_with_a_token_made_for_it() -> None:
    # Given
    rds, connect = TokenCountingRds(), RecordingConnect()
    connector = iam_token_connector(
        rds, host=PROXY_HOST, port=5432, dbname="sixpotify", user="sixpotify", connect=connect
    )

    # When two connections are opened
    connector()
    connector()

    # Then each got a token of its own as its password
    assert len(rds.tokens) == 2
    assert [call["password"] for call in connect.calls] == rds.tokens
    # And the token lets this user connect to this endpoint
    token = urlsplit(f"https://{rds.tokens[0]}")
    assert (token.hostname, token.port) == (PROXY_HOST, 5432)
    query = parse_qs(token.query)
    assert query["Action"] == ["connect"]
    assert query["DBUser"] == ["sixpotify"]
    assert "X-Amz-Signature" in query


def test_connections_require_tls_verified_against_the_amazon_roots() -> None:
    # Given
    connect = RecordingConnect()
    connector = iam_token_connector(
        TokenCountingRds(),
        host=PROXY_HOST,
        port=5432,
        dbname="sixpotify",
        user="sixpotify",
        connect=connect,
    )

    # When
    connector()

    # Then
    [call] = connect.calls
    assert {key: value for key, value in call.items() if key != "password"} == {
        "host": PROXY_HOST,
        "port": 5432,
        "dbname": "sixpotify",
        "user": "sixpotify",
        "sslmode": "verify-full",
        "sslrootcert": certifi.where(),
        "connect_timeout": CONNECT_TIMEOUT_SECONDS,
    }
    # RDS Proxy's certificate chains to Amazon Root CA 1
    assert "Amazon Root CA 1" in Path(call["sslrootcert"]).read_text(encoding="utf-8")


class WarmingUpServer:
    """A connector refusing the first `refusals` connections, as a registering proxy does."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.attempts = 0

    def __call__(self) -> Any:
        self.attempts += 1
        if self.attempts <= self.refusals:
            raise psycopg2.OperationalError("the database system is starting up")
        return f"connection {self.attempts}"


def test_first_connection_waits_between_attempts_until_the_server_answers() -> None:
    # Given a server that refuses two connections before it is ready
    server = WarmingUpServer(refusals=2)
    slept: list[float] = []

    # When a first connection is opened with patience to spare
    connection = first_connection(server, Patience(attempts=5, wait_seconds=15), sleep=slept.append)

    # Then the third attempt's connection is returned, after two waits
    assert connection == "connection 3"
    assert slept == [15, 15]


def test_first_connection_gives_up_with_the_servers_error_when_patience_runs_out() -> None:
    # Given a server that never becomes ready
    server = WarmingUpServer(refusals=10)
    slept: list[float] = []

    # When a first connection is opened with three attempts
    with pytest.raises(psycopg2.OperationalError, match="starting up"):
        first_connection(server, Patience(attempts=3, wait_seconds=1), sleep=slept.append)

    # Then it tried three times and waited between them only
    assert server.attempts == 3
    assert slept == [1, 1]
