"""The schema migrations custom resource (Custom::SchemaMigrations): each deployment brings
the database up to the schema the deployed code expects, before any function uses it.

CloudFormation invokes this function asynchronously and waits for the answer PUT to the
request's response URL, so every request is answered exactly once, failures included. On a
first deployment the proxy is minutes from reaching the database: the function waits for it
(domain/readiness.py) within a limit, and answers FAILED, saying what the proxy last reported,
rather than outlive its own timeout.
"""

from __future__ import annotations

import logging
from contextlib import closing
from typing import Any

from pydantic import ValidationError

from adapters.cloudformation import CustomResourceRequest, CustomResourceResponse
from adapters.postgres.connect import first_connection
from adapters.postgres.migrator import apply_migrations
from contracts.database import shipped_migrations
from domain.errors import ProxyNotReadyError
from domain.readiness import wait_until_available
from handlers.composition import MigrationDependencies, migration_dependencies
from handlers.observability import observed

_log = logging.getLogger(__name__)

# The same on every answer: a new one on Update would make CloudFormation delete the old.
PHYSICAL_RESOURCE_ID = "sixpotify-schema"


@observed
def handle(event: dict[str, Any], context: object) -> None:
    try:
        request = CustomResourceRequest.model_validate(event)
    except ValidationError as invalid:
        # Without a valid response URL there is no one to answer.
        fields = sorted({".".join(map(str, issue["loc"])) for issue in invalid.errors()})
        _log.error("not a custom resource request: missing or invalid %s", ", ".join(fields))
        return
    deps = migration_dependencies()
    stream = getattr(context, "log_stream_name", "unknown")
    try:
        response = _migrate(request, deps)
    except ProxyNotReadyError as not_ready:
        # Names the proxy and its targets' states, nothing secret: worth showing in the console.
        _log.exception("schema migrations found the database proxy not ready")
        response = _failed(request, f"{not_ready}; see log stream {stream}")
    except Exception as error:
        _log.exception("schema migrations failed")
        response = _failed(request, f"{type(error).__name__}: see log stream {stream}")
    # A failed delivery raises: Lambda then retries the invocation, which answers again.
    deps.responder.answer(request.response_url, response)


def _migrate(request: CustomResourceRequest, deps: MigrationDependencies) -> CustomResourceResponse:
    if request.request_type == "Delete":
        return CustomResourceResponse.answering(
            request,
            succeeded=True,
            reason="the schema and its data outlive the resource",
            physical_resource_id=PHYSICAL_RESOURCE_ID,
        )
    targets = deps.database.proxy_targets
    if targets is not None:
        wait_until_available(targets, deps.target_wait, clock=deps.clock, sleep=deps.sleep)
    connector = deps.database.connector
    with closing(first_connection(connector, deps.patience, sleep=deps.sleep)) as connection:
        applied = apply_migrations(connection)
    newest = shipped_migrations()[-1].version
    return CustomResourceResponse.answering(
        request,
        succeeded=True,
        reason=f"applied {len(applied)} migrations; schema at {newest}",
        physical_resource_id=PHYSICAL_RESOURCE_ID,
        data={"Applied": ",".join(applied), "SchemaVersion": newest},
    )


def _failed(request: CustomResourceRequest, reason: str) -> CustomResourceResponse:
    return CustomResourceResponse.answering(
        request, succeeded=False, reason=reason, physical_resource_id=PHYSICAL_RESOURCE_ID
    )
