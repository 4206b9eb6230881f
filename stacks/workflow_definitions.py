"""The state machine definitions in workflows/ and the `${...}` substitutions they expect.

Standard library only: CDK passes the same names to CloudFormation's DefinitionSubstitutions,
and the local runtime renders the same file with `substitute` before running it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Final

WORKFLOWS_DIRECTORY: Final = Path(__file__).resolve().parent.parent / "workflows"
INGEST_WORKFLOW_FILE: Final = WORKFLOWS_DIRECTORY / "ingest.asl.json"


class IngestSubstitution:
    """The placeholders of the ingest workflow: the ARN of each function it invokes, the
    dead-letter queue it hands failed artist IDs to, and the bucket its refresh manifests
    are read from."""

    RESOLVE_LOOKUPS: Final = "ResolveLookupsFunctionArn"
    PLAN_BATCHES: Final = "PlanBatchesFunctionArn"
    FETCH_ARTISTS: Final = "FetchArtistsFunctionArn"
    RECOMPUTE_SIMILARITY: Final = "RecomputeSimilarityFunctionArn"
    NOTIFY_WAITERS: Final = "NotifyWaitersFunctionArn"
    GIVE_UP_STALE_WAITERS: Final = "GiveUpStaleWaitersFunctionArn"
    PLAN_REFRESH: Final = "PlanRefreshFunctionArn"
    PREPARE_SIMILARITY_REBUILD: Final = "PrepareSimilarityRebuildFunctionArn"
    COMPUTE_SIMILARITY_SHARD: Final = "ComputeSimilarityShardFunctionArn"
    FINISH_SIMILARITY_REBUILD: Final = "FinishSimilarityRebuildFunctionArn"
    ABANDON_SIMILARITY_REBUILD: Final = "AbandonSimilarityRebuildFunctionArn"
    DEAD_LETTER_QUEUE_URL: Final = "DeadLetterQueueUrl"
    LAKE_BUCKET: Final = "LakeBucketName"


# Where the refresh's Distributed Map writes its children's answers in the lake bucket: the
# Prefix of RefreshArtists' ResultWriter in the ingest workflow, which a test holds equal.
REFRESH_RESULTS_PREFIX: Final = "results/refresh"

INGEST_FUNCTION_SUBSTITUTIONS: Final = (
    IngestSubstitution.RESOLVE_LOOKUPS,
    IngestSubstitution.PLAN_BATCHES,
    IngestSubstitution.FETCH_ARTISTS,
    IngestSubstitution.RECOMPUTE_SIMILARITY,
    IngestSubstitution.NOTIFY_WAITERS,
    IngestSubstitution.GIVE_UP_STALE_WAITERS,
    IngestSubstitution.PLAN_REFRESH,
    IngestSubstitution.PREPARE_SIMILARITY_REBUILD,
    IngestSubstitution.COMPUTE_SIMILARITY_SHARD,
    IngestSubstitution.FINISH_SIMILARITY_REBUILD,
    IngestSubstitution.ABANDON_SIMILARITY_REBUILD,
)
INGEST_SUBSTITUTIONS: Final = (
    *INGEST_FUNCTION_SUBSTITUTIONS,
    IngestSubstitution.DEAD_LETTER_QUEUE_URL,
    IngestSubstitution.LAKE_BUCKET,
)

# The syntax of CloudFormation's DefinitionSubstitutions.
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


class UnresolvedSubstitutionError(ValueError):
    """A definition names a placeholder that the mapping does not provide."""

    def __init__(self, missing: frozenset[str]) -> None:
        super().__init__("no value for substitution(s): " + ", ".join(sorted(missing)))
        self.missing = missing


def placeholders(text: str) -> frozenset[str]:
    """The names of every `${Name}` in a definition."""
    return frozenset(_PLACEHOLDER.findall(text))


def substitute(text: str, mapping: Mapping[str, str]) -> str:
    """Replace every `${Name}` with `mapping[Name]`, as CloudFormation does at deploy time.

    Values are inserted verbatim, so they must already be valid inside a JSON string (ARNs are).
    """
    missing = placeholders(text) - mapping.keys()
    if missing:
        raise UnresolvedSubstitutionError(missing)
    return _PLACEHOLDER.sub(lambda match: mapping[match.group(1)], text)
