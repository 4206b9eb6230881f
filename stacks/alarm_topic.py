"""The SNS topic every alarm notifies, encrypted with a key CloudWatch may use."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct


class AlarmTopic(Construct):
    """TLS-only and KMS-encrypted; `email`, when given, is subscribed (AWS asks it to confirm).

    The key is customer managed: CloudWatch cannot publish to a topic under the AWS managed
    SNS key, whose policy it cannot be added to.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, topic_name: str, email: str | None
    ) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "Key",
            description=f"Encrypts the messages of the {topic_name} topic",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.key.grant(
            iam.ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*"
        )
        self.topic = sns.Topic(
            self,
            "Topic",
            topic_name=topic_name,
            display_name="Sixpotify alarms",
            master_key=self.key,
            enforce_ssl=True,
        )
        if email is not None:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))
