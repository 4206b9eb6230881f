"""How long each function that Lambda invokes on the app's behalf may run, in seconds.

The CDK stacks deploy these timeouts (why each is what it is is said where the function is
defined), the workflow's task timeouts are set just above them, and the local stack enforces
them on the same handlers, so a handler that overruns fails the same way on one machine as on
AWS. Standard library only: the local runtime imports it too.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from contracts.names import Handler

FUNCTION_TIMEOUT_SECONDS: Final[Mapping[str, int]] = MappingProxyType(
    {
        Handler.CONVERSE: 30,
        # A batch's lookups: one search each (two for a song that turns out to be an artist's
        # name), and a not-found answer to whoever waits.
        Handler.RESOLVE_LOOKUPS: 60,
        Handler.PLAN_BATCHES: 30,
        # A batch of 50: one artists call, 50 top-tracks calls and one audio-features call,
        # with the adapter's own retries, then the lake, DynamoDB and PostgreSQL.
        Handler.FETCH_ARTISTS: 120,
        Handler.RECOMPUTE_SIMILARITY: 300,
        Handler.NOTIFY_WAITERS: 60,
        Handler.GIVE_UP_STALE_WAITERS: 60,
        Handler.PLAN_REFRESH: 60,
        Handler.PREPARE_SIMILARITY_REBUILD: 600,
        Handler.COMPUTE_SIMILARITY_SHARD: 600,
        Handler.FINISH_SIMILARITY_REBUILD: 300,
        Handler.ABANDON_SIMILARITY_REBUILD: 120,
    }
)

# How much longer a workflow task waits than its function may run: the function's own timeout
# fires first and is reported as Sandbox.Timedout, with its logs; the task's TimeoutSeconds
# (States.Timeout) only catches an invocation lost on the way. Both are retried.
TASK_TIMEOUT_MARGIN_SECONDS: Final = 30
