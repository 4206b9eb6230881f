"""The schema migrations custom resource answers CloudFormation on every request, through a
stand-in for the presigned response URL, and waits for a new RDS Proxy before it migrates."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import psycopg2
import pytest
from pydantic import SecretStr

from adapters.cloudformation import CustomResourceAnswerError
from adapters.postgres.connect import Patience
from contracts.database import shipped_migrations
from domain.readiness import ProxyTargets, TargetHealth
from handlers import composition, migrate_database
from handlers.composition import (
    DatabaseAdapters,
    DatabaseDependencies,
    MigrationAdapters,
    MigrationDependencies,
)
from handlers.settings import DatabaseSettings, load_database_settings
from local.aws import REGION
from local.background_server import BackgroundHttpServer
from local.stack import LocalStack
from tests.fakes import ScriptedProxyTargets, SteppedClock

LOG_STREAM = "2026/11/20/[$LATEST]0123456789abcdef"
PASSWORD = "correct-horse-battery-staple"
SIGNATURE = "X-Amz-Signature=f00dfeed"
PROXY = "sixpotify-test-postgres-proxy"


@dataclass(frozen=True)
class FunctionContext:
    log_stream_name: str = LOG_STREAM


@dataclass(frozen=True)
class ReceivedAnswer:
    path: str
    content_type: str | None
    body: dict[str, Any]


class ResponseUrlStandIn(BackgroundHttpServer):
    """Takes PUTs as the presigned S3 URL of a custom resource request would."""

    _description = "the response URL stand-in"
    _thread_name = "response-url"

    def __init__(self) -> None:
        super().__init__()
        self.answers: list[ReceivedAnswer] = []

    def _make_server(self, address: tuple[str, int]) -> ThreadingHTTPServer:
        answers = self.answers

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                answers.append(
                    ReceivedAnswer(self.path, self.headers.get("Content-Type"), json.loads(body))
                )
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the test reads what was received."""

        return ThreadingHTTPServer(address, Handler)

    def url(self, request_id: str) -> str:
        return f"{self.base_url}/responses/{request_id}?{SIGNATURE}"


@pytest.fixture(scope="module")
def response_url() -> Iterator[ResponseUrlStandIn]:
    with ResponseUrlStandIn() as server:
        yield server


@pytest.fixture
def answers(response_url: ResponseUrlStandIn) -> list[ReceivedAnswer]:
    response_url.answers.clear()
    return response_url.answers


@contextlib.contextmanager
def migrations_reading(load: Callable[[], DatabaseSettings]) -> Iterator[None]:
    """The handler's settings come from `load` until the block ends."""
    # One try: an unreachable database here is meant to stay unreachable.
    composition.use_for_migrations(MigrationDependencies(load, patience=Patience(1, 0)))
    try:
        yield
    finally:
        composition.use_for_migrations(None)


def settings_for(database_url: str) -> Callable[[], DatabaseSettings]:
    return lambda: DatabaseSettings(aws_region="eu-west-1", database_url=SecretStr(database_url))


@contextlib.contextmanager
def migrations_waiting_for(
    targets: ProxyTargets, database_url: str, clock: SteppedClock
) -> Iterator[None]:
    """The handler migrates the database at `database_url` once `targets` are all AVAILABLE,
    timing its waits on `clock`, until the block ends."""
    database = DatabaseDependencies(
        settings_for(database_url)(), DatabaseAdapters(proxy_targets=targets)
    )
    composition.use_for_migrations(
        MigrationDependencies(
            overrides=MigrationAdapters(database=database),
            patience=Patience(1, 0),
            clock=clock,
            sleep=clock.sleep,
        )
    )
    try:
        yield
    finally:
        composition.use_for_migrations(None)


@contextlib.contextmanager
def migrations_through_moto(
    local_stack: LocalStack, proxy: str, database_url: str, clock: SteppedClock
) -> Iterator[None]:
    """The handler as deployed, asking the local stack's RDS for `proxy`'s targets."""
    settings = DatabaseSettings(
        aws_region=REGION,
        aws_endpoint_url=local_stack.aws.endpoint_url,
        database_url=SecretStr(database_url),
        database_proxy=proxy,
    )
    composition.use_for_migrations(
        MigrationDependencies(
            lambda: settings, patience=Patience(1, 0), clock=clock, sleep=clock.sleep
        )
    )
    try:
        yield
    finally:
        composition.use_for_migrations(None)


def a_proxy(local_stack: LocalStack, *, with_target: bool) -> str:
    """A new proxy in the local stack's RDS, with its instance registered or none; its name."""
    ec2, rds = local_stack.aws.client("ec2"), local_stack.aws.client("rds")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    name = f"sixpotify-test-{uuid.uuid4().hex[:12]}"
    rds.create_db_proxy(
        DBProxyName=name,
        EngineFamily="POSTGRESQL",
        Auth=[{"AuthScheme": "SECRETS", "SecretArn": "arn:aws:secretsmanager:::owner"}],
        RoleArn="arn:aws:iam::123456789012:role/proxy",
        VpcSubnetIds=[subnet],
    )
    if with_target:
        rds.register_db_proxy_targets(DBProxyName=name, DBInstanceIdentifiers=[f"{name}-db"])
    return name


def request(request_type: str, response_url: str, request_id: str | None = None) -> dict[str, Any]:
    request_id = request_id or str(uuid.uuid4())
    event: dict[str, Any] = {
        "RequestType": request_type,
        "ResponseURL": response_url,
        "StackId": "arn:aws:cloudformation:eu-west-1:123456789012:stack/sixpotify-dev-database/1",
        "RequestId": request_id,
        "ResourceType": "Custom::SchemaMigrations",
        "LogicalResourceId": "SchemaMigrations",
        "ServiceToken": "arn:aws:lambda:eu-west-1:123456789012:function:migrate",
        "ResourceProperties": {"ServiceToken": "arn:aws:lambda:eu-west-1:123456789012:function:m"},
    }
    if request_type != "Create":
        event["PhysicalResourceId"] = migrate_database.PHYSICAL_RESOURCE_ID
    return event


def send(request_type: str, server: ResponseUrlStandIn) -> dict[str, Any]:
    """Invoke the handler as CloudFormation would; returns the request sent."""
    request_id = str(uuid.uuid4())
    event = request(request_type, server.url(request_id), request_id)
    migrate_database.handle(event, FunctionContext())
    return event


def applied_versions(database_url: str) -> list[str]:
    with (
        closing(psycopg2.connect(database_url)) as connection,
        connection,
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT to_regclass('schema_migrations') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return []
        cursor.execute("SELECT version FROM schema_migrations ORDER BY version")
        return [version for (version,) in cursor.fetchall()]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


SHIPPED = [migration.version for migration in shipped_migrations()]


def test_create_on_an_empty_database_applies_every_migration_and_succeeds(
    empty_database_url: str, response_url: ResponseUrlStandIn, answers: list[ReceivedAnswer]
) -> None:
    # Given
    with migrations_reading(settings_for(empty_database_url)):
        # When CloudFormation creates the resource
        sent = send("Create", response_url)

    # Then every shipped migration is applied
    assert applied_versions(empty_database_url) == SHIPPED
    # And the answer went to the response URL, signed query and all, with no content type
    [answer] = answers
    assert answer.path.endswith(f"/responses/{sent['RequestId']}?{SIGNATURE}")
    assert answer.content_type == ""
    assert answer.body == {
        "Status": "SUCCESS",
        "Reason": f"applied {len(SHIPPED)} migrations; schema at {SHIPPED[-1]}",
        "PhysicalResourceId": migrate_database.PHYSICAL_RESOURCE_ID,
        "StackId": sent["StackId"],
        "RequestId": sent["RequestId"],
        "LogicalResourceId": "SchemaMigrations",
        "Data": {"Applied": ",".join(SHIPPED), "SchemaVersion": SHIPPED[-1]},
    }


def test_an_update_with_nothing_new_applies_nothing_and_succeeds(
    empty_database_url: str, response_url: ResponseUrlStandIn, answers: list[ReceivedAnswer]
) -> None:
    # Given a database the resource's creation migrated
    with migrations_reading(settings_for(empty_database_url)):
        send("Create", response_url)

        # When the stack is updated
        send("Update", response_url)

    # Then nothing more was applied, and the answer says so with the same physical ID
    assert applied_versions(empty_database_url) == SHIPPED
    created, updated = answers
    assert updated.body["Status"] == "SUCCESS"
    assert updated.body["Data"] == {"Applied": "", "SchemaVersion": SHIPPED[-1]}
    assert updated.body["PhysicalResourceId"] == created.body["PhysicalResourceId"]


def test_an_unreachable_database_fails_without_telling_how_to_connect(
    response_url: ResponseUrlStandIn,
    answers: list[ReceivedAnswer],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given a database URL, password included, where nothing listens
    url = f"postgresql://sixpotify:{PASSWORD}@127.0.0.1:{closed_port()}/sixpotify"

    # When
    with migrations_reading(settings_for(url)), caplog.at_level(logging.ERROR):
        sent = send("Create", response_url)

    # Then CloudFormation learns that it failed, of what, and where the details are
    [answer] = answers
    assert answer.body["Status"] == "FAILED"
    assert answer.body["Reason"] == f"OperationalError: see log stream {LOG_STREAM}"
    assert answer.body["RequestId"] == sent["RequestId"]
    assert answer.body["PhysicalResourceId"] == migrate_database.PHYSICAL_RESOURCE_ID
    # And the details are in the log, without the password
    assert "schema migrations failed" in caplog.text
    assert PASSWORD not in caplog.text


def test_missing_database_settings_fail_the_request_naming_the_error(
    response_url: ResponseUrlStandIn,
    answers: list[ReceivedAnswer],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given a function whose environment names no database
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    for variable in (
        "DATABASE_URL",
        "SIXPOTIFY_DATABASE_HOST",
        "SIXPOTIFY_DATABASE_PORT",
        "SIXPOTIFY_DATABASE_NAME",
        "SIXPOTIFY_DATABASE_USER",
    ):
        monkeypatch.delenv(variable, raising=False)

    # When
    with migrations_reading(load_database_settings), caplog.at_level(logging.ERROR):
        send("Create", response_url)

    # Then the request is answered, not left to time out
    [answer] = answers
    assert answer.body["Status"] == "FAILED"
    assert answer.body["Reason"] == f"SettingsError: see log stream {LOG_STREAM}"
    assert "no database: set DATABASE_URL" in caplog.text


def test_delete_succeeds_and_leaves_the_database_alone(
    empty_database_url: str, response_url: ResponseUrlStandIn, answers: list[ReceivedAnswer]
) -> None:
    # When the resource is deleted
    with migrations_reading(settings_for(empty_database_url)):
        send("Delete", response_url)

    # Then the answer is a success and the database was not touched
    [answer] = answers
    assert answer.body["Status"] == "SUCCESS"
    assert answer.body["PhysicalResourceId"] == migrate_database.PHYSICAL_RESOURCE_ID
    assert applied_versions(empty_database_url) == []


def test_an_event_that_is_no_request_is_logged_and_left_unanswered(
    empty_database_url: str,
    answers: list[ReceivedAnswer],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # When the function is invoked with something else than a custom resource request
    with migrations_reading(settings_for(empty_database_url)), caplog.at_level(logging.ERROR):
        migrate_database.handle({"RequestType": "Create"}, FunctionContext())

    # Then nothing is answered or migrated, and the log says which fields were wrong
    assert answers == []
    assert applied_versions(empty_database_url) == []
    assert (
        "not a custom resource request: missing or invalid "
        "LogicalResourceId, RequestId, ResponseURL, StackId"
    ) in caplog.text


def test_an_undeliverable_answer_raises_without_the_presigned_url(
    empty_database_url: str,
) -> None:
    # Given a response URL nothing listens on
    response_url = f"http://127.0.0.1:{closed_port()}/responses/1?{SIGNATURE}"

    # When
    with (
        migrations_reading(settings_for(empty_database_url)),
        pytest.raises(CustomResourceAnswerError) as raised,
    ):
        migrate_database.handle(request("Delete", response_url), FunctionContext())

    # Then the error (which makes Lambda invoke again) keeps the signature to itself
    told = "".join(traceback.format_exception(raised.value)) + repr(raised.value)
    assert "response URL unreachable: ConnectionError" in told
    assert SIGNATURE not in told


def test_a_new_proxy_is_waited_for_until_its_target_is_available_then_migrated(
    empty_database_url: str, response_url: ResponseUrlStandIn, answers: list[ReceivedAnswer]
) -> None:
    # Given a proxy created moments ago: no target yet, then its target registering for a while
    targets = ScriptedProxyTargets(
        PROXY,
        [],
        [TargetHealth("REGISTERING")],
        [TargetHealth("REGISTERING")],
        [TargetHealth("AVAILABLE")],
    )
    clock = SteppedClock()

    # When CloudFormation creates the resource
    with migrations_waiting_for(targets, empty_database_url, clock):
        send("Create", response_url)

    # Then the function looked until the target was AVAILABLE, waiting between looks, and only
    # then migrated
    assert targets.seen == 4
    assert clock.slept == [15, 15, 15]
    [answer] = answers
    assert answer.body["Status"] == "SUCCESS"
    assert applied_versions(empty_database_url) == SHIPPED


def test_a_proxy_never_ready_fails_the_request_in_time_saying_what_it_saw(
    empty_database_url: str,
    response_url: ResponseUrlStandIn,
    answers: list[ReceivedAnswer],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given a proxy whose target registers, then cannot reach the database, for good
    targets = ScriptedProxyTargets(
        PROXY,
        [TargetHealth("REGISTERING")],
        [TargetHealth("UNAVAILABLE", "CONNECTION_FAILED", "DBProxy Target unavailable")],
    )
    clock = SteppedClock()

    # When CloudFormation creates the resource
    with migrations_waiting_for(targets, empty_database_url, clock), caplog.at_level(logging.ERROR):
        sent = send("Create", response_url)

    # Then the function gave up within its ten minutes and told CloudFormation why, rather than
    # run out its timeout unanswered; the database was not touched
    assert clock.now <= 600
    [answer] = answers
    assert answer.body["Status"] == "FAILED"
    assert answer.body["RequestId"] == sent["RequestId"]
    assert answer.body["Reason"] == (
        f"RDS Proxy {PROXY} is not ready after 600 s (41 looks): UNAVAILABLE "
        f"(CONNECTION_FAILED: DBProxy Target unavailable); see log stream {LOG_STREAM}"
    )
    assert "database proxy not ready" in caplog.text
    assert applied_versions(empty_database_url) == []


def test_the_proxy_the_settings_name_is_asked_through_rds(
    local_stack: LocalStack,
    empty_database_url: str,
    response_url: ResponseUrlStandIn,
    answers: list[ReceivedAnswer],
) -> None:
    # Given a proxy in the local stack's RDS whose instance is registered
    proxy = a_proxy(local_stack, with_target=True)
    clock = SteppedClock()

    # When the function, configured as deployed, receives the request
    with migrations_through_moto(local_stack, proxy, empty_database_url, clock):
        send("Create", response_url)

    # Then RDS reported the target AVAILABLE at once, and the database was migrated
    [answer] = answers
    assert answer.body["Status"] == "SUCCESS"
    assert clock.slept == []
    assert applied_versions(empty_database_url) == SHIPPED


def test_a_proxy_with_no_target_in_rds_fails_the_request(
    local_stack: LocalStack,
    empty_database_url: str,
    response_url: ResponseUrlStandIn,
    answers: list[ReceivedAnswer],
) -> None:
    # Given a proxy in the local stack's RDS with nothing registered behind it
    proxy = a_proxy(local_stack, with_target=False)
    clock = SteppedClock()

    # When the function, configured as deployed, receives the request
    with migrations_through_moto(local_stack, proxy, empty_database_url, clock):
        send("Create", response_url)

    # Then it asked RDS until its limit and failed the request, naming the proxy
    [answer] = answers
    assert answer.body["Status"] == "FAILED"
    assert answer.body["Reason"].startswith(
        f"RDS Proxy {proxy} is not ready after 600 s (41 looks): no target registered;"
    )
    assert applied_versions(empty_database_url) == []
