"""The secret holding the Spotify and Meta credentials an operator enters for one stage."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from aws_cdk import Acknowledgment, CfnOutput, RemovalPolicy, SecretValue, Validations
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

# The data stack's output listing the fields to fill.
FIELDS_OUTPUT: Final = "ApplicationSecretFields"
# The value the secret is created with, the same for every field list: CloudFormation writes a
# new value only when this property changes, so it must never change. Without it CDK would have
# CloudFormation generate a password, and with a generator derived from the fields CloudFormation
# would generate a new document, erasing the operator's values, whenever a field is added.
INITIAL_DOCUMENT: Final = "{}"


class ApplicationSecret(Construct):
    """Created empty and written by the operator alone (docs/deploy.md, section 6): nothing in
    its template depends on which fields the functions read, so no deployment rewrites it.
    The fields to fill are a stack output. Functions read it by ARN at cold start."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        secret_name: str,
        fields: Sequence[str],
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.secret = secretsmanager.Secret(
            self,
            "Secret",
            secret_name=secret_name,
            description="Spotify client credentials and the Messenger page's secrets",
            secret_string_value=SecretValue.unsafe_plain_text(INITIAL_DOCUMENT),
            removal_policy=removal_policy,
        )
        Validations.of(self.secret).acknowledge(
            Acknowledgment(
                id="AwsSolutions-SMG4",
                reason="Spotify and Meta issue these credentials; they are rotated by reissuing "
                "them there and putting the new values here, which no rotation function can do",
            )
        )
        fields_output = CfnOutput(
            self,
            "Fields",
            value=" ".join(fields),
            description=f"The fields an operator puts into {secret_name}, each a non-empty string",
        )
        # A name the operator's documented command can ask for.
        fields_output.override_logical_id(FIELDS_OUTPUT)
