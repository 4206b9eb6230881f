"""A stage's settings, read from cdk.json context.

Choose the stage with `-c sixpotify:stage=NAME`; its block lives under `sixpotify:stages`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from aws_cdk import RemovalPolicy
from aws_cdk import aws_logs as logs

STAGE_KEY: Final = "sixpotify:stage"
STAGES_KEY: Final = "sixpotify:stages"
# Off in tests and quick synths: the code asset is then the source tree without dependencies.
BUNDLING_KEY: Final = "sixpotify:bundling"
_EMAIL: Final = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_INSTANCE_CLASS: Final = re.compile(r"[a-z][a-z0-9-]*\.[a-z0-9]+")


class StageConfigError(ValueError):
    """The context does not describe a usable stage."""


@dataclass(frozen=True)
class DatabaseConfig:
    """The stage's RDS PostgreSQL instance."""

    instance_class: str
    allocated_storage_gib: int
    multi_az: bool

    @classmethod
    def from_block(cls, block: object) -> DatabaseConfig:
        if not isinstance(block, Mapping):
            raise StageConfigError("database must be an object")
        try:
            return cls(
                instance_class=_instance_class(block["instanceClass"]),
                allocated_storage_gib=_count(
                    block["allocatedStorageGiB"], "allocatedStorageGiB", minimum=20
                ),
                multi_az=_flag(block["multiAz"]),
            )
        except KeyError as missing:
            raise StageConfigError(f"database lacks {missing}") from None


@dataclass(frozen=True)
class StageConfig:
    name: str
    region: str
    log_retention: logs.RetentionDays
    retain_data: bool
    nat_gateways: int
    database: DatabaseConfig
    webhook_rate_limit: int
    webhook_burst_limit: int
    bundling: bool
    # Where alarms are e-mailed; without it the alarm topic has no subscriber yet.
    alarm_email: str | None = None

    @property
    def data_removal_policy(self) -> RemovalPolicy:
        """What becomes of the stage's data (buckets, tables, secrets) when its stack is
        deleted: kept where the stage retains data, deleted with it, contents and all,
        elsewhere."""
        return RemovalPolicy.RETAIN if self.retain_data else RemovalPolicy.DESTROY

    @classmethod
    def from_context(cls, lookup: Callable[[str], Any]) -> StageConfig:
        """`lookup` is `node.try_get_context`: None for a missing key."""
        name = lookup(STAGE_KEY)
        stages = lookup(STAGES_KEY)
        if not isinstance(name, str) or not isinstance(stages, Mapping):
            raise StageConfigError(f"context needs {STAGE_KEY!r} and {STAGES_KEY!r}")
        block = stages.get(name)
        if not isinstance(block, Mapping):
            known = ", ".join(sorted(stages))
            raise StageConfigError(f"stage {name!r} is not one of: {known}")
        try:
            return cls(
                name=name,
                region=str(block["region"]),
                log_retention=_retention(str(block["logRetention"])),
                retain_data=_flag(block["retainData"]),
                nat_gateways=_count(block["natGateways"], "natGateways", minimum=1),
                database=DatabaseConfig.from_block(block["database"]),
                webhook_rate_limit=int(block["webhookRateLimit"]),
                webhook_burst_limit=int(block["webhookBurstLimit"]),
                bundling=_flag(lookup(BUNDLING_KEY), default=True),
                alarm_email=_optional_email(block.get("alarmEmail")),
            )
        except KeyError as missing:
            raise StageConfigError(f"stage {name!r} lacks {missing}") from None


def _flag(value: object, *, default: bool | None = None) -> bool:
    # Values given with `-c key=value` on the command line arrive as strings.
    if value is None and default is not None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "false"}:
        return value.lower() == "true"
    raise StageConfigError(f"expected true or false, got {value!r}")


def _optional_email(value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _EMAIL.fullmatch(value):
        raise StageConfigError(f"alarmEmail {value!r} is not an e-mail address")
    return value


def _retention(name: str) -> logs.RetentionDays:
    try:
        return logs.RetentionDays[name]
    except KeyError:
        raise StageConfigError(f"logRetention {name!r} is not a RetentionDays name") from None


def _count(value: object, key: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise StageConfigError(f"{key} must be a whole number of at least {minimum}, got {value!r}")
    return value


def _instance_class(value: object) -> str:
    # `t4g.small`, as ec2.InstanceType takes it; RDS adds the `db.` itself.
    if not isinstance(value, str) or not _INSTANCE_CLASS.fullmatch(value):
        raise StageConfigError(f"instanceClass {value!r} is not like 't4g.small'")
    return value
