"""What RDS Proxy says of its targets (rds:DescribeDBProxyTargets), for domain/readiness.py."""

from __future__ import annotations

from typing import Any, Final

from botocore.exceptions import BotoCoreError, ClientError

from contracts.database import PROXY_TARGET_POLL_SECONDS, PROXY_TARGET_WAIT_SECONDS
from domain.errors import ProxyNotReadyError
from domain.readiness import TargetHealth, TargetWait

# How long a new proxy's target may take to register (contracts/database.py).
PROXY_TARGET_WAIT: Final = TargetWait(
    limit_seconds=PROXY_TARGET_WAIT_SECONDS, interval_seconds=PROXY_TARGET_POLL_SECONDS
)


class RdsProxyTargets:
    """domain.readiness.ProxyTargets through a boto3 RDS client."""

    def __init__(self, rds_client: Any, proxy_name: str) -> None:
        self._client = rds_client
        self._proxy_name = proxy_name

    @property
    def proxy_name(self) -> str:
        return self._proxy_name

    def health(self) -> list[TargetHealth]:
        """Raises ProxyNotReadyError, naming the proxy and the error code, when the targets
        cannot be read at all."""
        try:
            pages = self._client.get_paginator("describe_db_proxy_targets").paginate(
                DBProxyName=self._proxy_name
            )
            return [
                TargetHealth(
                    state=target.get("TargetHealth", {}).get("State", "UNKNOWN"),
                    reason=target.get("TargetHealth", {}).get("Reason"),
                    description=target.get("TargetHealth", {}).get("Description"),
                )
                for page in pages
                for target in page.get("Targets", [])
            ]
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            raise ProxyNotReadyError(
                f"cannot describe the targets of RDS Proxy {self._proxy_name}: {code}"
            ) from None
        except BotoCoreError as error:
            raise ProxyNotReadyError(
                f"cannot describe the targets of RDS Proxy {self._proxy_name}: "
                f"{type(error).__name__}"
            ) from None
