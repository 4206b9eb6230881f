"""The functions that use PostgreSQL can together open no more connections than the proxy may
hold, and leave the account the unreserved concurrency Lambda requires."""

from __future__ import annotations

from typing import Any

import pytest

from contracts.names import Handler
from stacks.connection_budget import (
    FIXED_SHARES,
    MAX_CONNECTIONS,
    REMAINDER_HANDLER,
    ConnectionBudget,
    ConnectionBudgetError,
)
from tests.infra.synthesis import Synthesized
from tests.infra.template_queries import resources_of_type

# Lambda's default concurrency limit per account and region, and what it keeps unreserved.
ACCOUNT_CONCURRENCY = 1000
UNRESERVED_MINIMUM = 100


def functions_in_the_vpc(synthesized: Synthesized) -> dict[str, dict[str, Any]]:
    """The properties of every function placed in the VPC, where only the database's clients
    run, by handler."""
    return {
        function["Properties"]["Handler"]: function["Properties"]
        for template in synthesized.templates.values()
        for function in resources_of_type(template, "AWS::Lambda::Function").values()
        if "VpcConfig" in function["Properties"]
    }


def deployed_budget(synthesized: Synthesized) -> int:
    """The proxy's connections, from the instance class and percent the templates deploy."""
    database = synthesized.template_json(synthesized.names.database_stack)
    (instance,) = resources_of_type(database, "AWS::RDS::DBInstance").values()
    (target_group,) = resources_of_type(database, "AWS::RDS::DBProxyTargetGroup").values()
    instance_class = instance["Properties"]["DBInstanceClass"].removeprefix("db.")
    percent = target_group["Properties"]["ConnectionPoolConfigurationInfo"]["MaxConnectionsPercent"]
    return int(MAX_CONNECTIONS[instance_class] * percent // 100)


def test_every_database_function_has_its_share_and_together_they_fit_the_proxy(
    synthesized: Synthesized,
) -> None:
    # Given the functions that run among the database's clients
    functions = functions_in_the_vpc(synthesized)

    # When their reserved concurrency is read
    reserved = {
        handler: properties.get("ReservedConcurrentExecutions")
        for handler, properties in functions.items()
    }

    # Then each has the share the budget gives it, and they add up to the proxy's connections
    # as deployed: as many connections at once as the proxy may hold, never more
    budget = ConnectionBudget(instance_class=synthesized.config.database.instance_class)
    assert reserved == budget.shares()
    assert sum(reserved.values()) == deployed_budget(synthesized)


def test_two_stages_in_one_account_leave_lambda_its_unreserved_minimum(
    synthesized: Synthesized,
) -> None:
    # Given one stage's reserved concurrency
    total = sum(
        properties["ReservedConcurrentExecutions"]
        for properties in functions_in_the_vpc(synthesized).values()
    )

    # When dev and prod share an account at Lambda's default limit
    unreserved = ACCOUNT_CONCURRENCY - 2 * total

    # Then Lambda keeps its minimum unreserved, so setting the reservations cannot fail
    assert unreserved >= UNRESERVED_MINIMUM


def test_the_chat_path_takes_what_the_pipeline_leaves_of_the_budget() -> None:
    # Given t4g.micro's 81 connections, of which the proxy may open 90%
    budget = ConnectionBudget(instance_class="t4g.micro", max_connections_percent=90)

    # When the shares are computed
    shares = budget.shares()

    # Then the pipeline's functions get their fixed shares and converse the rest: 72 - 37
    assert budget.proxy_connections == 72
    assert {handler: shares[handler] for handler in FIXED_SHARES} == FIXED_SHARES
    assert shares[REMAINDER_HANDLER] == 35
    assert sum(shares.values()) == 72


def test_a_smaller_percent_is_taken_from_the_chat_path() -> None:
    # Given the proxy allowed 70% of t4g.micro's connections
    budget = ConnectionBudget(instance_class="t4g.micro", max_connections_percent=70)

    # When converse's share is computed
    share = budget.share(Handler.CONVERSE)

    # Then it is what is left of 81 x 70% = 56 after the pipeline's 37
    assert share == 19


def test_an_instance_class_too_small_for_the_pipeline_is_refused() -> None:
    # Given a proxy allowed so little that the chat path would be starved
    budget = ConnectionBudget(instance_class="t4g.micro", max_connections_percent=50)

    # When the shares are computed
    with pytest.raises(ConnectionBudgetError) as refused:
        budget.shares()

    # Then synthesis stops, saying how many connections are missing where
    assert str(refused.value) == (
        "db.t4g.micro gives the proxy 40 connections; the pipeline's 37 would leave 3 for "
        "handlers.converse.handle, fewer than 10"
    )


def test_an_instance_class_without_a_known_max_connections_is_refused() -> None:
    # Given an instance class nobody measured
    budget = ConnectionBudget(instance_class="r7g.large")

    # When its budget is asked for
    with pytest.raises(ConnectionBudgetError) as refused:
        budget.share(Handler.FETCH_ARTISTS)

    # Then the error says what to measure and where to write it
    assert "SHOW max_connections" in str(refused.value)
    assert "db.r7g.large" in str(refused.value)


def test_a_function_without_the_database_has_no_share() -> None:
    # Given the budget of the deployed class
    budget = ConnectionBudget(instance_class="t4g.micro")

    # When the webhook, which never connects, asks for a share
    with pytest.raises(ConnectionBudgetError) as refused:
        budget.share(Handler.WEBHOOK)

    # Then there is none
    assert "handlers.webhook.handle has no share" in str(refused.value)
