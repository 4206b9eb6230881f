"""The chat stack exposes exactly Messenger's two webhook routes, throttled and access-logged."""

from __future__ import annotations

from stacks.names import Handler
from tests.infra.synthesis import Synthesized
from tests.infra.template_queries import logical_id_where, resources_of_type


def test_webhook_routes_lead_to_the_webhook_function(synthesized: Synthesized) -> None:
    # Given the chat stack
    template = synthesized.template_json(synthesized.names.chat_stack)
    function_id = logical_id_where(template, "AWS::Lambda::Function", "Handler", Handler.WEBHOOK)

    # When its routes and their integrations are read
    routes = resources_of_type(template, "AWS::ApiGatewayV2::Route").values()
    integrations = resources_of_type(template, "AWS::ApiGatewayV2::Integration")

    # Then GET and POST /webhook exist, and nothing else, each proxied to the webhook function
    assert sorted(route["Properties"]["RouteKey"] for route in routes) == [
        "GET /webhook",
        "POST /webhook",
    ]
    for route in routes:
        integration_id = route["Properties"]["Target"]["Fn::Join"][1][1]["Ref"]
        integration = integrations[integration_id]["Properties"]
        assert integration["IntegrationType"] == "AWS_PROXY"
        assert integration["IntegrationUri"] == {"Fn::GetAtt": [function_id, "Arn"]}


def test_default_stage_is_throttled_and_logs_without_query_strings(
    synthesized: Synthesized,
) -> None:
    # Given the chat stack
    template = synthesized.template_json(synthesized.names.chat_stack)

    # When its only stage is read
    (stage,) = resources_of_type(template, "AWS::ApiGatewayV2::Stage").values()

    # Then it throttles at the stage's configured rates and logs every request to a log group
    properties = stage["Properties"]
    assert properties["StageName"] == "$default"
    assert properties["DefaultRouteSettings"] == {
        "ThrottlingRateLimit": synthesized.config.webhook_rate_limit,
        "ThrottlingBurstLimit": synthesized.config.webhook_burst_limit,
    }
    log_group = properties["AccessLogSettings"]["DestinationArn"]["Fn::GetAtt"][0]
    assert template["Resources"][log_group]["Type"] == "AWS::Logs::LogGroup"
    # The verification request carries the verify token in its query string.
    log_format = properties["AccessLogSettings"]["Format"]
    assert "$context.routeKey" in log_format
    assert "querystring" not in log_format.lower()
    assert "$context.path" not in log_format
