"""The conversation: Messenger's webhook endpoint and the function behind it."""

from __future__ import annotations

from functools import partial
from typing import Any

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from stacks.data_stack import DataStack
from stacks.database_stack import DatabaseStack
from stacks.function_environment import function_environment
from stacks.handler_function import stage_function
from stacks.lambda_code import application_code
from stacks.names import WEBHOOK_PATH, Handler, ResourceNames
from stacks.stage_config import StageConfig
from stacks.webhook_api import WebhookApi


class ChatStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        data: DataStack,
        database: DatabaseStack,
        requests_queue: sqs.IQueue,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        names = ResourceNames(config.name)

        function = partial(
            stage_function,
            self,
            config=config,
            code=application_code(bundling=config.bundling),
            environment=function_environment(
                config=config,
                data=data,
                proxy_endpoint=database.database.endpoint,
                requests_queue=requests_queue,
            ),
            memory_size=512,
            application_secret=data.application_secret,
        )
        self.converse = function(
            "Converse",
            handler=Handler.CONVERSE,
            description="Answers what Messenger users sent, after the webhook acknowledged it",
            # Spotify answers within seconds or the adapter gives up; users should not wait longer.
            timeout=Duration.seconds(30),
            database=database.database,
        ).function
        data.waiters_table.grant_write_data(self.converse)
        data.messages_table.grant_write_data(self.converse)
        requests_queue.grant_send_messages(self.converse)

        self.webhook = function(
            "Webhook",
            handler=Handler.WEBHOOK,
            description="Checks Messenger's signature and hands events to the converse function",
            # Messenger retries a delivery that is not acknowledged within 20 seconds.
            timeout=Duration.seconds(15),
        ).function
        # The unqualified ARN the webhook invokes: no version or alias wildcard.
        self.webhook.add_to_role_policy(
            iam.PolicyStatement(
                actions=["lambda:InvokeFunction"], resources=[self.converse.function_arn]
            )
        )

        self.api = WebhookApi(
            self,
            "MessengerWebhook",
            api_name=names.webhook_api,
            path=WEBHOOK_PATH,
            handler=self.webhook,
            rate_limit=config.webhook_rate_limit,
            burst_limit=config.webhook_burst_limit,
            log_retention=config.log_retention,
            removal_policy=RemovalPolicy.DESTROY,
        )
        CfnOutput(
            self,
            "WebhookUrl",
            value=self.api.webhook_url,
            description="Callback URL to enter in the Messenger app's webhook settings",
        )
