"""The field names of the two secrets' JSON documents: what the operator enters, and what the
deployment generates. adapters/secrets.py reads them (a test holds its models to these names);
stacks/data_stack.py creates the secrets with them."""

from __future__ import annotations

from typing import Final

# Meta only echoes the verify token back, so the deployment may generate it.
VERIFY_TOKEN_FIELD: Final = "verifyToken"  # noqa: S105  # a field's name, not a value
APPLICATION_SECRET_FIELDS: Final = (
    "spotifyClientId",
    "spotifyClientSecret",
    "pageAccessToken",
    "appSecret",
)
GENERATED_SECRET_FIELDS: Final = (VERIFY_TOKEN_FIELD,)
