"""PostgreSQL 16 (with pgvector) on RDS, reachable only through RDS Proxy."""

from __future__ import annotations

from typing import cast

from aws_cdk import Acknowledgment, ArnFormat, Duration, Fn, RemovalPolicy, Stack, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from constructs import Construct

from stacks.connection_budget import ConnectionBudget
from stacks.stage_config import DatabaseConfig
from stacks.vpc_placement import VpcPlacement

# The version new instances start at; AWS's automatic minor upgrades move them on, and
# CloudFormation leaves an unchanged version alone. pgvector ships with every 16.x.
ENGINE = rds.DatabaseInstanceEngine.postgres(version=rds.PostgresEngineVersion.VER_16_13)
POSTGRES_PORT = 5432
CREDENTIAL_ROTATION = Duration.days(30)


class PostgresDatabase(Construct):
    """An encrypted, private instance whose owner's password lives in Secrets Manager, is
    rotated monthly and is read by the proxy alone.

    Clients authenticate to the proxy with IAM tokens (`grant_connect`), so no function ever
    holds a database password, and a rotation never strands a running function.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DatabaseConfig,
        database_subnets: ec2.SubnetSelection,
        clients: VpcPlacement,
        database_name: str,
        owner: str,
        secret_name: str,
        instance_identifier: str,
        proxy_name: str,
        log_retention: logs.RetentionDays,
        retain: bool,
    ) -> None:
        super().__init__(scope, construct_id)
        self.clients = clients
        # What each function using the database may hold of the proxy's connections.
        self.connection_budget = ConnectionBudget(instance_class=config.instance_class)
        secret = rds.DatabaseSecret(self, "OwnerSecret", username=owner, secret_name=secret_name)
        self.instance = rds.DatabaseInstance(
            self,
            "Instance",
            instance_identifier=instance_identifier,
            engine=ENGINE,
            instance_type=ec2.InstanceType(config.instance_class),
            vpc=clients.vpc,
            vpc_subnets=database_subnets,
            publicly_accessible=False,
            multi_az=config.multi_az,
            database_name=database_name,
            credentials=rds.Credentials.from_secret(secret),
            storage_encrypted=True,
            storage_type=rds.StorageType.GP3,
            allocated_storage=config.allocated_storage_gib,
            max_allocated_storage=config.allocated_storage_gib * 5,
            backup_retention=Duration.days(7),
            copy_tags_to_snapshot=True,
            deletion_protection=retain,
            removal_policy=RemovalPolicy.SNAPSHOT if retain else RemovalPolicy.DESTROY,
            cloudwatch_logs_exports=["postgresql"],
            auto_minor_version_upgrade=True,
        )
        # Created here, before the instance exports to it, so that it carries the retention
        # without the log-retention function CDK would otherwise add.
        server_logs = logs.LogGroup(
            self,
            "ServerLogs",
            log_group_name=f"/aws/rds/instance/{instance_identifier}/postgresql",
            retention=log_retention,
            removal_policy=RemovalPolicy.RETAIN if retain else RemovalPolicy.DESTROY,
        )
        self.instance.node.add_dependency(server_logs)
        self._acknowledge_stage_choices(config, retain=retain)
        self.instance.add_rotation_single_user(
            automatically_after=CREDENTIAL_ROTATION, vpc_subnets=clients.subnets
        )
        self.proxy = self.instance.add_proxy(
            "Proxy",
            db_proxy_name=proxy_name,
            vpc=clients.vpc,
            vpc_subnets=clients.subnets,
            secrets=[secret],
            iam_auth=True,
            require_tls=True,
            max_connections_percent=self.connection_budget.max_connections_percent,
        )
        # The proxy's own security group has no default port: name the engine's.
        self.instance.connections.allow_default_port_from(self.proxy, "RDS Proxy")
        # The proxy's own security group has no default port: name the engine's.
        self.proxy.connections.allow_from(
            clients.security_group, ec2.Port.tcp(POSTGRES_PORT), "Functions using PostgreSQL"
        )
        # A managed policy of this stack: other stacks attach it by ARN, where an inline grant
        # would have them split the proxy's imported ARN, which an import does not allow.
        proxy_id = Fn.select(6, Fn.split(":", self.proxy.db_proxy_arn))
        self._login_policy = iam.ManagedPolicy(
            self,
            "LoginThroughProxy",
            description=f"Log in to PostgreSQL through RDS Proxy as {owner}, with an IAM token",
            statements=[
                iam.PolicyStatement(
                    actions=["rds-db:connect"],
                    resources=[
                        Stack.of(self).format_arn(
                            service="rds-db",
                            resource="dbuser",
                            resource_name=f"{proxy_id}/{owner}",
                            arn_format=ArnFormat.COLON_RESOURCE_NAME,
                        )
                    ],
                )
            ],
        )

    def _acknowledge_stage_choices(self, config: DatabaseConfig, *, retain: bool) -> None:
        acknowledgments = [
            Acknowledgment(
                id="AwsSolutions-RDS11",
                reason="Clients reach PostgreSQL only through RDS Proxy, which listens on the "
                "engine's standard port whatever the instance uses, and the instance admits the "
                "proxy's security group alone: another port would hide nothing",
            )
        ]
        if not config.multi_az:
            acknowledgments.append(
                Acknowledgment(
                    id="AwsSolutions-RDS3",
                    reason="This stage runs Single-AZ by choice (database.multiAz in cdk.json): "
                    "it halves the instance's cost where an hour's outage is acceptable",
                )
            )
        if not retain:
            acknowledgments.append(
                Acknowledgment(
                    id="AwsSolutions-RDS10",
                    reason="This stage keeps no data (retainData false in cdk.json) and must be "
                    "removable by cdk destroy; stages that retain data have deletion protection",
                )
            )
        # On the instance resource alone: the construct's children include the proxy.
        instance_resource = self.instance.node.find_child("Resource")
        for acknowledgment in acknowledgments:
            Validations.of(instance_resource).acknowledge(acknowledgment)

    @property
    def endpoint(self) -> str:
        return self.proxy.endpoint

    def grant_connect(self, role: iam.IRole) -> None:
        """Lets `role` log in through the proxy as the owner, with an IAM token."""
        role.add_managed_policy(self._login_policy)

    def grant_describe_targets(self, role: iam.IRole) -> None:
        """Lets `role` read the health of the proxy's target (rds:DescribeDBProxyTargets),
        which IAM authorizes against the proxy, its target group and the instance."""
        target_group = cast(
            rds.CfnDBProxyTargetGroup, self.proxy.node.find_child("ProxyTargetGroup")
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["rds:DescribeDBProxyTargets"],
                resources=[
                    self.proxy.db_proxy_arn,
                    target_group.attr_target_group_arn,
                    self.instance.instance_arn,
                ],
            )
        )
