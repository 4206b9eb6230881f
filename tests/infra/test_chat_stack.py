"""The chat stack exposes exactly Messenger's two webhook routes, throttled and access-logged,
and sets aside the converse events that fail for good."""

from __future__ import annotations

from contracts.names import Handler
from tests.infra.synthesis import Synthesized
from tests.infra.template_queries import logical_id_where, resources_of_type, tls_only_queues

FOURTEEN_DAYS = 14 * 24 * 3600


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


def test_converse_events_that_fail_every_try_go_to_the_failures_queue(
    synthesized: Synthesized,
) -> None:
    # Given the chat stack, its converse function and the queue named for its failures
    names = synthesized.names
    template = synthesized.template_json(names.chat_stack)
    converse_id = logical_id_where(template, "AWS::Lambda::Function", "Handler", Handler.CONVERSE)
    queue_id = logical_id_where(
        template, "AWS::SQS::Queue", "QueueName", names.converse_failures_queue
    )

    # When its asynchronous invocation settings are read
    (invoke_config,) = resources_of_type(template, "AWS::Lambda::EventInvokeConfig").values()

    # Then the unqualified function the webhook invokes is retried twice within the hour, and
    # an event still failing is sent to that queue
    properties = invoke_config["Properties"]
    assert properties["FunctionName"] == {"Ref": converse_id}
    assert properties["Qualifier"] == "$LATEST"
    assert properties["MaximumRetryAttempts"] == 2
    assert properties["MaximumEventAgeInSeconds"] == 3600
    assert properties["DestinationConfig"] == {
        "OnFailure": {"Destination": {"Fn::GetAtt": [queue_id, "Arn"]}}
    }
    # And the queue is encrypted, TLS only, and keeps an event 14 days for the operator
    queue = template["Resources"][queue_id]["Properties"]
    assert queue["SqsManagedSseEnabled"] is True
    assert queue["MessageRetentionPeriod"] == FOURTEEN_DAYS
    assert queue_id in tls_only_queues(template)
