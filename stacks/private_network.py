"""The VPC the database lives in and its clients run in."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from constructs import Construct


class PrivateNetwork(Construct):
    """Three tiers over the stage's zones: public subnets hold only the NAT gateways, functions
    run in private subnets that reach Spotify and Meta through them, and the database sits in
    isolated subnets with no route out at all.

    S3 and DynamoDB are reached through gateway endpoints, which cost nothing and keep the
    lake's and tables' traffic off the NAT. `database_clients` is the security group every
    function that talks to PostgreSQL joins; the database side admits it and nothing else.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        nat_gateways: int,
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        rejected_traffic = logs.LogGroup(
            self, "RejectedTraffic", retention=log_retention, removal_policy=removal_policy
        )
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr("10.40.0.0/16"),
            # RDS needs subnets in two zones, even for a Single-AZ instance.
            max_azs=2,
            nat_gateways=nat_gateways,
            subnet_configuration=[
                ec2.SubnetConfiguration(
                    name="public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24
                ),
                ec2.SubnetConfiguration(
                    name="functions",
                    subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS,
                    cidr_mask=20,
                ),
                ec2.SubnetConfiguration(
                    name="database", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24
                ),
            ],
            gateway_endpoints={
                "S3": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.S3),
                "DynamoDB": ec2.GatewayVpcEndpointOptions(
                    service=ec2.GatewayVpcEndpointAwsService.DYNAMODB
                ),
            },
            # Accepted traffic is the app's own; rejected traffic is what someone should read.
            flow_logs={
                "Rejected": ec2.FlowLogOptions(
                    traffic_type=ec2.FlowLogTrafficType.REJECT,
                    destination=ec2.FlowLogDestination.to_cloud_watch_logs(rejected_traffic),
                )
            },
        )
        self.function_subnets = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
        self.database_subnets = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        self.database_clients = ec2.SecurityGroup(
            self,
            "DatabaseClients",
            vpc=self.vpc,
            description="Functions that talk to PostgreSQL through RDS Proxy",
            allow_all_outbound=True,
        )
