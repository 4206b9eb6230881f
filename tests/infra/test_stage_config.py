"""Reading a stage from context: what cdk.json holds and what `-c key=value` adds."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import aws_logs as logs

from stacks.stage_config import BUNDLING_KEY, STAGE_KEY, STAGES_KEY, StageConfig, StageConfigError
from tests.infra.synthesis import cdk_json_context

DEV: dict[str, Any] = {
    "region": "eu-west-1",
    "logRetention": "TWO_WEEKS",
    "retainData": False,
    "natGateways": 1,
    "database": {"instanceClass": "t4g.small", "allocatedStorageGiB": 20, "multiAz": False},
    "webhookRateLimit": 10,
    "webhookBurstLimit": 20,
}


def context(**overrides: Any) -> dict[str, Any]:
    return {STAGE_KEY: "dev", STAGES_KEY: {"dev": DEV}, **overrides}


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_every_stage_in_cdk_json_reads(stage: str) -> None:
    # Given cdk.json's context with the stage selected
    values = {**cdk_json_context(), STAGE_KEY: stage}

    # When the stage is read
    config = StageConfig.from_context(values.get)

    # Then it is that stage, bundled by default
    assert config.name == stage
    assert config.bundling is True


def test_production_survives_the_loss_of_a_zone_and_keeps_its_data() -> None:
    # Given cdk.json's context with the prod stage selected
    values = {**cdk_json_context(), STAGE_KEY: "prod"}

    # When the stage is read
    config = StageConfig.from_context(values.get)

    # Then its database runs Multi-AZ, each zone has its own NAT gateway, and data is retained
    assert config.database.multi_az is True
    assert config.nat_gateways == 2
    assert config.retain_data is True


def test_command_line_strings_turn_bundling_off() -> None:
    # Given bundling switched off on the command line, where every value is a string
    values = context(**{BUNDLING_KEY: "false"})

    # When the stage is read
    config = StageConfig.from_context(values.get)

    # Then bundling is off and the named retention is the CDK value
    assert config.bundling is False
    assert config.log_retention is logs.RetentionDays.TWO_WEEKS


def test_alarm_email_is_optional() -> None:
    # Given one stage naming an operator's address and another naming none
    with_email = context(**{STAGES_KEY: {"dev": {**DEV, "alarmEmail": "ops@example.org"}}})
    without_email = context()

    # When both are read
    configured = StageConfig.from_context(with_email.get)
    unconfigured = StageConfig.from_context(without_email.get)

    # Then alarms go to the address only where one is given
    assert configured.alarm_email == "ops@example.org"
    assert unconfigured.alarm_email is None


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        (context(**{STAGE_KEY: "staging"}), "'staging' is not one of: dev"),
        (context(**{STAGES_KEY: {"dev": {**DEV, "natGateways": 0}}}), "natGateways"),
        (
            context(**{STAGES_KEY: {"dev": {**DEV, "database": {"instanceClass": "small"}}}}),
            "'small' is not like 't4g.small'",
        ),
        (
            context(**{STAGES_KEY: {"dev": {**DEV, "database": {"instanceClass": "t4g.small"}}}}),
            "database lacks 'allocatedStorageGiB'",
        ),
        (
            context(
                **{
                    STAGES_KEY: {
                        "dev": {**DEV, "database": {**DEV["database"], "allocatedStorageGiB": 5}}
                    }
                }
            ),
            "at least 20",
        ),
        (context(**{STAGES_KEY: {"dev": {**DEV, "logRetention": "FOREVERISH"}}}), "FOREVERISH"),
        (context(**{STAGES_KEY: {"dev": {"region": "eu-west-1"}}}), "lacks"),
        (context(**{BUNDLING_KEY: "maybe"}), "true or false"),
        (context(**{STAGES_KEY: {"dev": {**DEV, "alarmEmail": "ops"}}}), "not an e-mail"),
        ({}, STAGE_KEY),
    ],
)
def test_unusable_context_is_refused_with_the_reason(
    values: dict[str, Any], complaint: str
) -> None:
    # Given a context with one thing wrong
    # When the stage is read
    with pytest.raises(StageConfigError) as raised:
        StageConfig.from_context(values.get)

    # Then the error says what
    assert complaint in str(raised.value)
