"""The secret holding the values the deployment generates for one stage."""

from __future__ import annotations

import json

from aws_cdk import Acknowledgment, RemovalPolicy, Validations
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct


class GeneratedSecret(Construct):
    """A JSON document of one generated field and nothing an operator types: a change to its
    generator regenerates the whole value, which only values that nobody entered may survive.
    Functions read it by ARN at cold start."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        secret_name: str,
        generated_field: str,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.secret = secretsmanager.Secret(
            self,
            "Secret",
            secret_name=secret_name,
            description="Values the deployment generates: the Messenger webhook's verify token",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps({}),
                generate_string_key=generated_field,
                password_length=48,
                exclude_punctuation=True,
            ),
            removal_policy=removal_policy,
        )
        Validations.of(self.secret).acknowledge(
            Acknowledgment(
                id="AwsSolutions-SMG4",
                reason="The verify token is checked only when the webhook is registered in "
                "Meta's console, against the token typed there: rotating it would protect nothing, "
                "and the new token would have to be typed there again",
            )
        )
