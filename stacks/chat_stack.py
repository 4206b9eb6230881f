"""The conversation: Messenger's webhook endpoint and the function behind it."""

from __future__ import annotations

from functools import partial
from typing import Any, Final

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from contracts.names import WEBHOOK_PATH, Handler, ResourceNames
from stacks.data_stack import DataStack
from stacks.database_stack import DatabaseStack
from stacks.dead_letter_queue import dead_letter_queue
from stacks.function_environment import function_environment
from stacks.function_timeouts import FUNCTION_TIMEOUT_SECONDS
from stacks.handler_function import stage_function
from stacks.lambda_code import FunctionCode
from stacks.stage_config import StageConfig
from stacks.webhook_api import WebhookApi

# Lambda's default, stated because adapters/lambda_inbox.py counts on it: a passing fault (a
# timeout, a dropped connection) gets two more tries, and message IDs keep a retry from
# answering twice.
CONVERSE_RETRY_ATTEMPTS: Final = 2
# The user is waiting in the chat. An event still unanswered after an hour (throttled, or
# failing) is better set aside, where an alarm shows it and the operator can replay it within
# Messenger's 24-hour window, than retried for Lambda's default of six hours.
CONVERSE_MAX_EVENT_AGE: Final = Duration.hours(1)


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
            code=FunctionCode(bundling=config.bundling),
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
            timeout=Duration.seconds(FUNCTION_TIMEOUT_SECONDS[Handler.CONVERSE]),
            database=database.database,
        ).function
        data.waiters_table.grant_write_data(self.converse)
        data.messages_table.grant_write_data(self.converse)
        # Its own item of the user it answers, read and replaced: no query or scan of others.
        data.last_answers_table.grant(self.converse, "dynamodb:GetItem", "dynamodb:PutItem")
        requests_queue.grant_send_messages(self.converse)
        # The webhook invokes converse asynchronously: an invocation that fails every try, or
        # grows too old, lands here instead of being dropped (the destination grants the send).
        self.converse_failures: sqs.IQueue = dead_letter_queue(
            self,
            "ConverseFailures",
            queue_name=names.converse_failures_queue,
            fed_by="Lambda with the converse invocations that failed every try",
        )
        self.converse.configure_async_invoke(
            on_failure=destinations.SqsDestination(self.converse_failures),
            retry_attempts=CONVERSE_RETRY_ATTEMPTS,
            max_event_age=CONVERSE_MAX_EVENT_AGE,
        )

        webhook = function(
            "Webhook",
            handler=Handler.WEBHOOK,
            description="Checks Messenger's signature and hands events to the converse function",
            # Messenger retries a delivery that is not acknowledged within 20 seconds.
            timeout=Duration.seconds(15),
        )
        self.webhook = webhook.function
        self.webhook_logs: logs.ILogGroup = webhook.log_group
        # Only the webhook answers Meta's subscription check, with the generated verify token.
        data.generated_secret.grant_read(self.webhook)
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
            removal_policy=config.data_removal_policy,
        )
        CfnOutput(
            self,
            "WebhookUrl",
            value=self.api.webhook_url,
            description="Callback URL to enter in the Messenger app's webhook settings",
        )
