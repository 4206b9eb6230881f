"""The network: one VPC per stage, for the database and the functions that use it."""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from stacks.private_network import PrivateNetwork
from stacks.stage_config import StageConfig
from stacks.vpc_placement import VpcPlacement


class NetworkStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: StageConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        network = PrivateNetwork(
            self,
            "Network",
            nat_gateways=config.nat_gateways,
            log_retention=config.log_retention,
            removal_policy=config.data_removal_policy,
        )
        self.vpc: ec2.IVpc = network.vpc
        self.database_subnets = network.database_subnets
        self.database_clients = VpcPlacement(
            vpc=network.vpc,
            subnets=network.function_subnets,
            security_group=network.database_clients,
        )
