"""The network keeps the database unreachable from outside and the functions' way out narrow."""

from __future__ import annotations

from typing import Any

import pytest

from contracts.names import Handler
from tests.infra.synthesis import Synthesized
from tests.infra.template_queries import (
    INGEST_HANDLERS,
    ResourceRef,
    function_properties,
    resolve_resource,
    resources_of_type,
    subnet_tier,
)

# Functions that talk to PostgreSQL run in the VPC; the others stay outside it, off the NAT.
OUTSIDE_VPC = {
    Handler.WEBHOOK,
    Handler.RESOLVE_LOOKUPS,
    Handler.PLAN_BATCHES,
    Handler.GIVE_UP_STALE_WAITERS,
}
IN_VPC = {
    *(handler for handler in INGEST_HANDLERS if handler not in OUTSIDE_VPC),
    Handler.CONVERSE,
    Handler.MIGRATE_DATABASE,
}


def subnets_by_tier(synthesized: Synthesized) -> dict[str, list[dict[str, Any]]]:
    stack = synthesized.names.network_stack
    template = synthesized.template_json(stack)
    tiers: dict[str, list[dict[str, Any]]] = {}
    for logical_id, subnet in resources_of_type(template, "AWS::EC2::Subnet").items():
        tier = subnet_tier(synthesized.templates, ResourceRef(stack, logical_id))
        tiers.setdefault(tier, []).append(subnet["Properties"])
    return tiers


def test_vpc_has_public_function_and_database_tiers_in_two_zones(
    synthesized: Synthesized,
) -> None:
    # Given the network stack
    # When its subnets are grouped by tier
    tiers = subnets_by_tier(synthesized)

    # Then each tier spans two zones, and only public subnets give addresses to the internet
    assert set(tiers) == {"public", "functions", "database"}
    assert all(len(subnets) == 2 for subnets in tiers.values())
    assert all(subnet["MapPublicIpOnLaunch"] is True for subnet in tiers["public"])
    assert all(
        subnet["MapPublicIpOnLaunch"] is False
        for tier in ("functions", "database")
        for subnet in tiers[tier]
    )


def test_stage_sets_the_number_of_nat_gateways_and_the_database_tier_has_no_route_out(
    synthesized: Synthesized,
) -> None:
    # Given the network stack
    template = synthesized.template(synthesized.names.network_stack)

    # When its NAT gateways and default routes are counted
    nat_gateways = template.find_resources("AWS::EC2::NatGateway")
    default_routes = template.find_resources(
        "AWS::EC2::Route", {"Properties": {"DestinationCidrBlock": "0.0.0.0/0"}}
    )

    # Then there are as many NATs as the stage asks, and a default route for the two public
    # and the two function subnets only: the database subnets route nowhere
    assert len(nat_gateways) == synthesized.config.nat_gateways
    assert len(default_routes) == 4


def test_s3_and_dynamodb_are_reached_through_gateway_endpoints(
    synthesized: Synthesized,
) -> None:
    # Given the network stack
    template = synthesized.template_json(synthesized.names.network_stack)

    # When its VPC endpoints are read
    endpoints = resources_of_type(template, "AWS::EC2::VPCEndpoint").values()

    # Then S3 and DynamoDB each have a gateway endpoint
    services = {
        endpoint["Properties"]["ServiceName"]["Fn::Join"][1][-1]
        for endpoint in endpoints
        if endpoint["Properties"]["VpcEndpointType"] == "Gateway"
    }
    assert services == {".s3", ".dynamodb"}


def test_rejected_traffic_is_logged(synthesized: Synthesized) -> None:
    # Given the network stack
    template = synthesized.template(synthesized.names.network_stack)

    # When its flow logs are read
    # Then rejected traffic goes to CloudWatch Logs
    template.has_resource_properties(
        "AWS::EC2::FlowLog",
        {"TrafficType": "REJECT", "LogDestinationType": "cloud-watch-logs"},
    )


@pytest.mark.parametrize("handler", sorted(IN_VPC | OUTSIDE_VPC))
def test_only_functions_that_use_postgres_run_in_the_vpc(
    synthesized: Synthesized, handler: str
) -> None:
    # Given the function's template
    names = synthesized.names
    stack = synthesized.stack_of_handler(handler)
    template = synthesized.template_json(stack)

    # When its VPC configuration is read
    vpc_config = function_properties(template, handler).get("VpcConfig")

    # Then a database client runs in the two function subnets and the clients' security
    # group; any other function runs outside the VPC
    if handler in OUTSIDE_VPC:
        assert vpc_config is None
        return
    assert vpc_config is not None
    subnets = [
        resolve_resource(subnet, stack, synthesized.templates) for subnet in vpc_config["SubnetIds"]
    ]
    (group,) = [
        resolve_resource(g, stack, synthesized.templates) for g in vpc_config["SecurityGroupIds"]
    ]
    network = synthesized.template_json(names.network_stack)["Resources"]
    assert {subnet_tier(synthesized.templates, subnet) for subnet in subnets} == {"functions"}
    assert len(subnets) == 2
    assert "talk to PostgreSQL" in network[group.logical_id]["Properties"]["GroupDescription"]
