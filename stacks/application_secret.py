"""The secret holding Spotify's and Meta's credentials for one stage."""

from __future__ import annotations

import json
from collections.abc import Sequence

from aws_cdk import Acknowledgment, RemovalPolicy, Validations
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct


class ApplicationSecret(Construct):
    """Created with every field present: the verify token generated, the rest empty until the
    operator sets them (docs/deploy.md). Functions read it by ARN at cold start."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        secret_name: str,
        fields: Sequence[str],
        generated_field: str,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.secret = secretsmanager.Secret(
            self,
            "Secret",
            secret_name=secret_name,
            description="Spotify client credentials and the Messenger page's secrets",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps(
                    {field: "" for field in fields if field != generated_field}
                ),
                generate_string_key=generated_field,
                password_length=48,
                exclude_punctuation=True,
            ),
            removal_policy=removal_policy,
        )
        Validations.of(self.secret).acknowledge(
            Acknowledgment(
                id="AwsSolutions-SMG4",
                reason="Spotify and Meta issue these credentials; they are rotated by reissuing "
                "them there and putting the new values here, which no rotation function can do",
            )
        )
