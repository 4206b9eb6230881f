"""Waiting for RDS Proxy to reach the database before the schema migrations connect.

A new proxy registers its target for several minutes after CloudFormation reports it
created; connections made before then are refused. The migrations run right after the proxy
is created, so they first wait, within a limit, for every target to be AVAILABLE.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, Protocol

from domain.errors import ProxyNotReadyError

AVAILABLE: Final = "AVAILABLE"


@dataclass(frozen=True)
class TargetHealth:
    """What the proxy says of one target: REGISTERING, AVAILABLE, UNAVAILABLE or UNUSED, and
    for the last two why (a reason code and its description)."""

    state: str
    reason: str | None = None
    description: str | None = None

    def __str__(self) -> str:
        details = ": ".join(part for part in (self.reason, self.description) if part)
        return f"{self.state} ({details})" if details else self.state


class ProxyTargets(Protocol):
    """The targets of one proxy (adapters/rds_proxy.py)."""

    @property
    def proxy_name(self) -> str: ...

    def health(self) -> Sequence[TargetHealth]:
        """Each registered target's health now; empty while none is registered."""
        ...


@dataclass(frozen=True)
class TargetWait:
    """How long to wait for the targets in all, and how long between two looks."""

    limit_seconds: float
    interval_seconds: float


def wait_until_available(
    targets: ProxyTargets,
    wait: TargetWait,
    *,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
) -> int:
    """Returns once every target is AVAILABLE, with how many looks that took; raises
    ProxyNotReadyError, naming what was last seen, once the next look would come after the
    limit. `clock` tells seconds on any steady scale; `sleep` waits that many."""
    deadline = clock() + wait.limit_seconds
    looks = 0
    while True:
        health = targets.health()
        looks += 1
        if health and all(target.state == AVAILABLE for target in health):
            return looks
        if clock() + wait.interval_seconds > deadline:
            seen = ", ".join(map(str, health)) or "no target registered"
            raise ProxyNotReadyError(
                f"RDS Proxy {targets.proxy_name} is not ready after {wait.limit_seconds:.0f} s "
                f"({looks} looks): {seen}"
            )
        sleep(wait.interval_seconds)
