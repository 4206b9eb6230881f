"""The schema migrations wait for RDS Proxy's targets within a limit, on a clock of their own,
and the adapter names the proxy and the error code when the targets cannot be read."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from adapters.rds_proxy import PROXY_TARGET_WAIT, RdsProxyTargets
from domain.errors import ProxyNotReadyError
from domain.readiness import TargetHealth, TargetWait, wait_until_available
from tests.fakes import ScriptedProxyTargets, SteppedClock

PROXY = "sixpotify-dev-postgres-proxy"
REGISTERING = TargetHealth("REGISTERING")
AVAILABLE = TargetHealth("AVAILABLE")
UNREACHABLE = TargetHealth(
    "UNAVAILABLE", "CONNECTION_FAILED", "DBProxy Target unavailable due to an internal error"
)


def test_waits_until_every_target_is_available() -> None:
    # Given a proxy with no target yet, then one registering, then two of which one is not yet
    # available, then both available
    targets = ScriptedProxyTargets(
        PROXY, [], [REGISTERING], [AVAILABLE, REGISTERING], [AVAILABLE, AVAILABLE]
    )
    clock = SteppedClock()

    # When
    looks = wait_until_available(targets, PROXY_TARGET_WAIT, clock=clock, sleep=clock.sleep)

    # Then it looked four times, waiting the interval between looks and not after the last
    assert looks == 4
    assert clock.slept == [15, 15, 15]


def test_gives_up_at_the_limit_naming_what_it_last_saw() -> None:
    # Given a proxy whose target registers, then cannot reach the database, for good
    targets = ScriptedProxyTargets(PROXY, [REGISTERING], [UNREACHABLE])
    clock = SteppedClock()

    # When
    with pytest.raises(ProxyNotReadyError) as gave_up:
        wait_until_available(targets, PROXY_TARGET_WAIT, clock=clock, sleep=clock.sleep)

    # Then it waited no longer than the limit, looked every interval, and says what it saw last
    assert clock.now == 600
    assert targets.seen == 41
    assert str(gave_up.value) == (
        f"RDS Proxy {PROXY} is not ready after 600 s (41 looks): UNAVAILABLE "
        "(CONNECTION_FAILED: DBProxy Target unavailable due to an internal error)"
    )


def test_a_limit_shorter_than_the_interval_looks_once() -> None:
    # Given a proxy with no target, and a limit shorter than the wait between looks
    targets = ScriptedProxyTargets(PROXY, [])
    clock = SteppedClock()

    # When
    with pytest.raises(ProxyNotReadyError) as gave_up:
        wait_until_available(
            targets,
            TargetWait(limit_seconds=10, interval_seconds=15),
            clock=clock,
            sleep=clock.sleep,
        )

    # Then it gave up after one look, without sleeping past the limit
    assert clock.slept == []
    assert str(gave_up.value).endswith("(1 looks): no target registered")


def test_the_adapter_reads_each_targets_health() -> None:
    # Given an RDS client answering as RDS does for a proxy with a target not reachable yet
    client = boto3.client(
        "rds", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stub:
        stub.add_response(
            "describe_db_proxy_targets",
            {
                "Targets": [
                    {
                        "RdsResourceId": "sixpotify-dev-postgres",
                        "Type": "RDS_INSTANCE",
                        "TargetHealth": {
                            "State": "UNAVAILABLE",
                            "Reason": "PENDING_PROXY_CAPACITY",
                            "Description": "Proxy capacity is being provisioned",
                        },
                    }
                ]
            },
            {"DBProxyName": PROXY},
        )

        # When
        health = RdsProxyTargets(client, PROXY).health()

    # Then
    assert health == [
        TargetHealth("UNAVAILABLE", "PENDING_PROXY_CAPACITY", "Proxy capacity is being provisioned")
    ]


def test_the_adapter_names_the_proxy_and_the_error_when_it_cannot_read() -> None:
    # Given an RDS client refused the call
    client = boto3.client(
        "rds", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stub:
        stub.add_client_error("describe_db_proxy_targets", service_error_code="AccessDenied")

        # When
        with pytest.raises(ProxyNotReadyError) as refused:
            RdsProxyTargets(client, PROXY).health()

    # Then
    assert str(refused.value) == f"cannot describe the targets of RDS Proxy {PROXY}: AccessDenied"
