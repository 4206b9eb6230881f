"""The HTTP API Messenger calls: GET /webhook to verify, POST /webhook to deliver events."""

from __future__ import annotations

import json
from typing import Final

import jsii
from aws_cdk import Acknowledgment, RemovalPolicy, Validations
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

# No query string and no body: the verification request carries the verify token in its query.
_ACCESS_LOG_FIELDS: Final = {
    "requestId": "$context.requestId",
    "requestTime": "$context.requestTime",
    "ip": "$context.identity.sourceIp",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "integrationLatency": "$context.integrationLatency",
    "integrationError": "$context.integrationErrorMessage",
}


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogSettings:
    def __init__(self, log_group: logs.ILogGroup) -> None:
        self._destination = apigwv2.LogGroupLogDestination(log_group)

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigateway.AccessLogFormat | None:
        return apigateway.AccessLogFormat.custom(json.dumps(_ACCESS_LOG_FIELDS))


class WebhookApi(Construct):
    """Both routes go to one function; the default stage is throttled and access-logged."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        api_name: str,
        path: str,
        handler: lambda_.IFunction,
        rate_limit: int,
        burst_limit: int,
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = logs.LogGroup(
            self, "AccessLogs", retention=log_retention, removal_policy=removal_policy
        )
        self.api = apigwv2.HttpApi(self, "Api", api_name=api_name, create_default_stage=False)
        self.stage = apigwv2.HttpStage(
            self,
            "DefaultStage",
            http_api=self.api,
            auto_deploy=True,
            access_log_settings=_AccessLogSettings(self.access_logs),
            throttle=apigwv2.ThrottleSettings(rate_limit=rate_limit, burst_limit=burst_limit),
        )
        # The default stage's URL ends in a slash.
        self.webhook_url = f"{self.stage.url}{path.lstrip('/')}"
        routes = self.api.add_routes(
            path=path,
            methods=[apigwv2.HttpMethod.GET, apigwv2.HttpMethod.POST],
            integration=integrations.HttpLambdaIntegration("Webhook", handler),
        )
        for route in routes:
            Validations.of(route.node.find_child("Resource")).acknowledge(
                Acknowledgment(
                    id="AwsSolutions-APIG4",
                    reason="Messenger cannot present AWS credentials or tokens: the function "
                    "checks the verify token (GET) and the X-Hub-Signature-256 HMAC (POST)",
                )
            )
