"""How many PostgreSQL connections each function may hold: the proxy's connection budget,
divided among the functions that use the database and enforced as their reserved concurrency.

A function's reserved concurrency bounds the connections it can open. Each execution
environment handles one invocation at a time and holds at most one connection: its pool
(adapters/postgres/pool.py) opens connections on demand, and no handler borrows a second
while it holds one. RDS Proxy multiplexes clients onto fewer database connections while
their sessions are not pinned; counting one database connection per client is the bound
that holds even when every session is.

Reserved concurrency is taken from the account's concurrency limit, of which Lambda keeps
100 unreserved: an account holding a stage needs a limit of at least 100 plus the budget
below, for each stage it holds (docs/deploy.md, section 5).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from contracts.names import Handler

# RDS for PostgreSQL's default max_connections, LEAST({DBInstanceClassMemory/9531392}, 5000),
# as an instance of each class reports it (SHOW max_connections). Add a class before a stage
# uses it.
MAX_CONNECTIONS: Final[Mapping[str, int]] = MappingProxyType({"t4g.micro": 81})

# The share of max_connections the proxy may open. The rest stays free for the credentials'
# rotation function, which logs in to the instance directly, and for an operator's psql.
PROXY_MAX_CONNECTIONS_PERCENT: Final = 90

# Functions whose concurrency the ingest workflow or the deployment bounds, and the
# connections each may hold (with t4g.micro: 81 x 90% = 72 for the proxy, of which these take
# 12 + 3 + 3 + 2 + 2 + 10 + 2 + 2 + 1 = 37).
FIXED_SHARES: Final[Mapping[str, int]] = MappingProxyType(
    {
        # The refresh's Map fetches 4 batches at once, and each requested-artist execution's Map
        # 4 more: 4 + 2 x 4 = 12, room for two request executions during a refresh.
        Handler.FETCH_ARTISTS: 12,
        # One per ingest execution; the writers' lock runs them one at a time, and those waiting
        # for it hold a connection: 3.
        Handler.RECOMPUTE_SIMILARITY: 3,
        # One per ingest execution, a few seconds each: 3.
        Handler.NOTIFY_WAITERS: 3,
        # Once per refresh: 1, and 1 for a refresh started by hand while another runs.
        Handler.PLAN_REFRESH: 2,
        # Once per rebuild: 1, and 1 for a rebuild started by hand while another runs.
        Handler.PREPARE_SIMILARITY_REBUILD: 2,
        # The rebuild's Distributed Map computes 10 shards at once (MaxConcurrency 10).
        Handler.COMPUTE_SIMILARITY_SHARD: 10,
        # Once per rebuild, as for the prepare step: 2.
        Handler.FINISH_SIMILARITY_REBUILD: 2,
        Handler.ABANDON_SIMILARITY_REBUILD: 2,
        # CloudFormation sends one request at a time.
        Handler.MIGRATE_DATABASE: 1,
    }
)
# The chat path takes the rest (72 - 37 = 35 with t4g.micro): its demand follows the users.
REMAINDER_HANDLER: Final = Handler.CONVERSE
# Below this the instance class is too small for the chat path to answer a burst.
MINIMUM_REMAINDER: Final = 10


class ConnectionBudgetError(ValueError):
    """The stage's database cannot hold the connections its functions are given."""


@dataclass(frozen=True)
class ConnectionBudget:
    """The connections of one instance class, through a proxy allowed `max_connections_percent`
    of them."""

    instance_class: str
    max_connections_percent: int = PROXY_MAX_CONNECTIONS_PERCENT

    @property
    def max_connections(self) -> int:
        try:
            return MAX_CONNECTIONS[self.instance_class]
        except KeyError:
            raise ConnectionBudgetError(
                f"no max_connections known for db.{self.instance_class}: add what "
                "SHOW max_connections reports on it to MAX_CONNECTIONS in "
                "stacks/connection_budget.py"
            ) from None

    @property
    def proxy_connections(self) -> int:
        """The most database connections the proxy opens: its percent of max_connections,
        rounded down so that the functions' shares never exceed it."""
        return self.max_connections * self.max_connections_percent // 100

    def shares(self) -> dict[str, int]:
        """Every database function's share, by handler; they add up to proxy_connections."""
        remainder = self.proxy_connections - sum(FIXED_SHARES.values())
        if remainder < MINIMUM_REMAINDER:
            raise ConnectionBudgetError(
                f"db.{self.instance_class} gives the proxy {self.proxy_connections} "
                f"connections; the pipeline's {sum(FIXED_SHARES.values())} would leave "
                f"{remainder} for {REMAINDER_HANDLER}, fewer than {MINIMUM_REMAINDER}"
            )
        return {**FIXED_SHARES, REMAINDER_HANDLER: remainder}

    def share(self, handler: str) -> int:
        """The reserved concurrency of the function running `handler`."""
        shares = self.shares()
        if handler not in shares:
            raise ConnectionBudgetError(f"{handler} has no share of the database's connections")
        return shares[handler]
