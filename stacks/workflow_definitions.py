"""The state machine definitions in workflows/ and the `${...}` substitutions they expect.

Standard library only: CDK and the local runtime both deploy `render_definition(file)`; CDK
passes the same names to CloudFormation's DefinitionSubstitutions, and the local runtime fills
them in with `substitute` before running it.

A definition may include states it shares with other places from a fragment file beside it,
so that a loop two Maps run is written once. A state list (the machine's own, or a Map's
ItemProcessor) names the fragment under `StatesFrom`:

    "ItemProcessor": {
      "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
      "StatesFrom": {"File": "fetch_batch.asl.json", "StatePrefix": "Refresh"},
      "States": {"RefreshBatchDone": {...}}
    }

The fragment is `{"Comment": ..., "StartAt": ..., "States": {...}}`. Rendering copies its
states with `StatePrefix` put before every state name, and before every reference to one
(StartAt, Next, Default, a Choice rule's Next, a Catch's Next, and a nested Map's own states),
since Step Functions wants state names unique across the whole machine; adds the list's own
`States` (those the fragment's states go on to, such as the state a Map's items end in); and
starts the list at the fragment's StartAt.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

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


class WorkflowDefinitionError(ValueError):
    """A workflow file, or a fragment it includes, does not render to a valid definition."""


class MissingFragmentError(WorkflowDefinitionError):
    """A `StatesFrom` names a fragment file that does not exist."""


class StateNameClashError(WorkflowDefinitionError):
    """Two states of one state list would bear the same name once the fragment is included."""


class UnknownStateError(WorkflowDefinitionError):
    """A StartAt, Next or Default names no state of the list it belongs to."""


def render_definition(workflow_file: Path) -> str:
    """The definition of `workflow_file` as Step Functions takes it: every `StatesFrom`
    replaced by the fragment's states, and every state reference checked, `${...}` left as is."""
    definition = json.loads(workflow_file.read_text(encoding="utf-8"))
    rendered = _with_fragments(definition, workflow_file.parent)
    _check_references(rendered, "the machine")
    return json.dumps(rendered, indent=2) + "\n"


def _with_fragments(state_list: dict[str, Any], directory: Path) -> dict[str, Any]:
    """`state_list` (the machine, or a Map's ItemProcessor) with its fragment, and those of the
    Maps among its states, included."""
    own_states = {
        name: _state_with_fragments(state, directory)
        for name, state in state_list.get("States", {}).items()
    }
    if "StatesFrom" not in state_list:
        return {**state_list, "States": own_states}
    include = state_list["StatesFrom"]
    if "StartAt" in state_list:
        raise WorkflowDefinitionError(
            f"a state list including {include['File']} starts at the fragment's StartAt, "
            f"so it cannot also name {state_list['StartAt']!r}"
        )
    fragment_file = directory / include["File"]
    if not fragment_file.is_file():
        raise MissingFragmentError(f"no fragment at {fragment_file}")
    fragment = json.loads(fragment_file.read_text(encoding="utf-8"))
    prefix = include["StatePrefix"]
    included = _prefixed(fragment, prefix)["States"]
    clashes = included.keys() & own_states.keys()
    if clashes:
        raise StateNameClashError(
            f"{fragment_file.name} with prefix {prefix!r} brings states already named "
            f"{', '.join(sorted(clashes))}"
        )
    rest = {key: value for key, value in state_list.items() if key not in ("StatesFrom", "States")}
    return rest | {"StartAt": prefix + fragment["StartAt"], "States": included | own_states}


def _state_with_fragments(state: dict[str, Any], directory: Path) -> dict[str, Any]:
    if "ItemProcessor" not in state:
        return state
    return {**state, "ItemProcessor": _with_fragments(state["ItemProcessor"], directory)}


def _prefixed(state_list: dict[str, Any], prefix: str) -> dict[str, Any]:
    """`state_list` with `prefix` before every state name it declares or refers to."""
    return {
        **state_list,
        "StartAt": prefix + state_list["StartAt"],
        "States": {
            prefix + name: _prefixed_state(state, prefix)
            for name, state in state_list["States"].items()
        },
    }


def _prefixed_state(state: dict[str, Any], prefix: str) -> dict[str, Any]:
    renamed = dict(state)
    for key in ("Next", "Default"):
        if key in state:
            renamed[key] = prefix + state[key]
    for key in ("Choices", "Catch"):
        if key in state:
            renamed[key] = [{**rule, "Next": prefix + rule["Next"]} for rule in state[key]]
    if "ItemProcessor" in state:
        renamed["ItemProcessor"] = _prefixed(state["ItemProcessor"], prefix)
    return renamed


def _check_references(state_list: dict[str, Any], scope: str) -> None:
    """Refuse a StartAt, Next or Default naming no state of `state_list`, at any depth: a
    fragment included under another prefix than its states expect would leave one so."""
    states: dict[str, Any] = state_list["States"]
    targets = [("StartAt", state_list["StartAt"])]
    for name, state in states.items():
        targets += [(f"{name}.{key}", state[key]) for key in ("Next", "Default") if key in state]
        targets += [
            (f"{name}.{key}[{position}].Next", rule["Next"])
            for key in ("Choices", "Catch")
            for position, rule in enumerate(state.get(key, []))
        ]
        if "ItemProcessor" in state:
            _check_references(state["ItemProcessor"], f"the ItemProcessor of {name}")
    for where, target in targets:
        if target not in states:
            raise UnknownStateError(f"{where} in {scope} names {target!r}, which is no state there")
