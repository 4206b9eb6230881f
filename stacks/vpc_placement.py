"""Where a function that talks to PostgreSQL runs."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_ec2 as ec2


@dataclass(frozen=True)
class VpcPlacement:
    """Private subnets with a way out, in the security group the database proxy admits."""

    vpc: ec2.IVpc
    subnets: ec2.SubnetSelection
    security_group: ec2.ISecurityGroup
