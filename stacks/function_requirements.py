"""Which distributions of requirements.txt each function's code asset carries.

This is the one place that decides it; versions are pinned in requirements.txt alone, and the
bundler installs the lines named here (stacks/lambda_code.py), with their own dependencies.
tests/infra/test_function_bundles.py loads every handler with nothing but its bundle and the
runtime's distributions on the path, and fails on anything missing or never loaded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Final

from contracts.names import Handler

# The Lambda Python runtime puts boto3 and its dependencies on every function's path, after the
# function's own code. They are not bundled: the functions call long-standing APIs only (S3,
# DynamoDB, SQS, Lambda, Secrets Manager, RDS auth tokens), so no pinned version is required,
# and leaving them out saves about 35 MB in every asset. requirements.txt pins boto3 for the
# local stack and the tests. urllib3 comes with requests into the assets that carry it.
RUNTIME_DISTRIBUTIONS: Final = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "urllib3", "six"}
)

# What a bundled distribution pulls in of the runtime's own (X-Ray's SDK requires botocore, about
# 80 MB) is deleted from the asset after installing (stacks/lambda_code.py): the runtime's copy
# comes first on the path anyway, and matches its boto3. urllib3 stays, in requests' version.
UNBUNDLED_DISTRIBUTIONS: Final = RUNTIME_DISTRIBUTIONS - {"urllib3"}

# Every handler reads its event through pydantic models (handlers/events.py), and logs and is
# traced through Powertools (handlers/observability.py), whose Tracer needs X-Ray's SDK; its other
# extras stay out.
_EVENT_MODELS: Final = frozenset({"pydantic", "aws-lambda-powertools", "aws-xray-sdk"})
# What handlers/composition.py imports at its top: settings, PostgreSQL (certifi holds the roots
# RDS Proxy's certificate is checked against), Spotify's client and Messenger's.
_COMPOSED: Final = _EVENT_MODELS | {
    "pydantic-settings",
    "psycopg2-binary",
    "certifi",
    "requests",
    "spotipy",
}
# Similarity computes on arrays; only its functions load NumPy (about 54 MB installed).
_SIMILARITY: Final = _COMPOSED | {"numpy"}
# Only the ingest step writes Parquet (adapters/lake_tables.py); pyarrow is about 125 MB trimmed.
_PARQUET: Final = _COMPOSED | {"pyarrow"}

HANDLER_REQUIREMENTS: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {
        Handler.WEBHOOK: _COMPOSED,
        Handler.CONVERSE: _COMPOSED,
        Handler.RESOLVE_LOOKUPS: _COMPOSED,
        Handler.PLAN_BATCHES: _EVENT_MODELS,
        Handler.FETCH_ARTISTS: _PARQUET,
        Handler.RECOMPUTE_SIMILARITY: _SIMILARITY,
        Handler.NOTIFY_WAITERS: _COMPOSED,
        Handler.GIVE_UP_STALE_WAITERS: _COMPOSED,
        Handler.PLAN_REFRESH: _COMPOSED,
        Handler.PREPARE_SIMILARITY_REBUILD: _SIMILARITY,
        Handler.COMPUTE_SIMILARITY_SHARD: _SIMILARITY,
        Handler.FINISH_SIMILARITY_REBUILD: _SIMILARITY,
        Handler.ABANDON_SIMILARITY_REBUILD: _SIMILARITY,
        Handler.MIGRATE_DATABASE: _COMPOSED,
    }
)

# A requirement line's distribution name, as PEP 508 spells it.
_NAME: Final = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")


class RequirementsError(LookupError):
    """A function names a distribution requirements.txt does not pin, or a line is unreadable."""


def requirements_of(handler: str) -> frozenset[str]:
    """The distribution names `handler`'s asset carries, besides the runtime's."""
    try:
        return HANDLER_REQUIREMENTS[handler]
    except KeyError:
        raise RequirementsError(f"{handler} has no entry in HANDLER_REQUIREMENTS") from None


def pinned_lines(names: Iterable[str], requirements: str) -> tuple[str, ...]:
    """The lines of `requirements` (requirements.txt's text) that pin `names`, by name.

    Names compare as pip compares them: case, `-`, `_` and `.` aside.
    """
    lines: dict[str, str] = {}
    for raw_line in requirements.splitlines():
        line = raw_line.split("#", 1)[0].strip()
        if not line:
            continue
        name = _NAME.match(line)
        if name is None:
            raise RequirementsError(f"cannot read the requirement {raw_line!r}")
        lines[canonical_name(name.group())] = line
    wanted = {canonical_name(name) for name in names}
    unknown = sorted(wanted - lines.keys())
    if unknown:
        raise RequirementsError(f"requirements.txt does not pin {', '.join(unknown)}")
    return tuple(lines[name] for name in sorted(wanted))


def canonical_name(name: str) -> str:
    """`Pydantic_Settings` -> `pydantic-settings` (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()
