"""Rendering a workflow whose Maps include a shared fragment of states: every state name the
fragment declares or refers to gets the including Map's prefix, and a definition that would not
run is refused before CDK or the local stack sees it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from stacks.workflow_definitions import (
    MissingFragmentError,
    StateNameClashError,
    UnknownStateError,
    WorkflowDefinitionError,
    render_definition,
)

# A loop using every kind of reference to a state: StartAt, Next, a Catch's Next, a Choice
# rule's Next, a Choice's Default, and a nested Map's own StartAt and states. It ends in
# "Done", which the including Map gives.
FRAGMENT: dict[str, Any] = {
    "Comment": "a loop shared by Maps",
    "StartAt": "Work",
    "States": {
        "Work": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "${WorkFunctionArn}"},
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Report"}],
            "Next": "Again",
        },
        "Again": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.more", "BooleanEquals": True, "Next": "Work"}],
            "Default": "Done",
        },
        "Report": {
            "Type": "Map",
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "ReportOne",
                "States": {"ReportOne": {"Type": "Pass", "End": True}},
            },
            "Next": "Done",
        },
    },
}


def _map_including(prefix: str, own_states: dict[str, Any]) -> dict[str, Any]:
    return {
        "Type": "Map",
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "INLINE"},
            "StatesFrom": {"File": "loop.asl.json", "StatePrefix": prefix},
            "States": own_states,
        },
        "End": True,
    }


def _workflow(tmp_path: Path, states: dict[str, Any], fragment: dict[str, Any]) -> Path:
    (tmp_path / "loop.asl.json").write_text(json.dumps(fragment), encoding="utf-8")
    workflow = tmp_path / "workflow.asl.json"
    workflow.write_text(json.dumps({"StartAt": next(iter(states)), "States": states}))
    return workflow


def test_an_included_loop_has_the_prefix_on_every_state_name_and_reference(
    tmp_path: Path,
) -> None:
    # Given a Map that includes the loop under "Again" and ends it with its own AgainDone
    workflow = _workflow(
        tmp_path,
        {"Loop": _map_including("Again", {"AgainDone": {"Type": "Succeed"}})},
        FRAGMENT,
    )

    # When the workflow is rendered
    rendered = json.loads(render_definition(workflow))

    # Then the loop's states, and every reference between them, bear the prefix; the Map's own
    # state follows them, the Map starts where the loop starts, and nothing else changed
    processor = rendered["States"]["Loop"]["ItemProcessor"]
    assert "StatesFrom" not in processor
    assert processor["ProcessorConfig"] == {"Mode": "INLINE"}
    assert processor["StartAt"] == "AgainWork"
    states = processor["States"]
    assert list(states) == ["AgainWork", "AgainAgain", "AgainReport", "AgainDone"]
    assert states["AgainWork"]["Next"] == "AgainAgain"
    assert states["AgainWork"]["Catch"] == [{"ErrorEquals": ["States.ALL"], "Next": "AgainReport"}]
    assert states["AgainWork"]["Parameters"] == {"FunctionName": "${WorkFunctionArn}"}
    assert states["AgainAgain"]["Choices"][0]["Next"] == "AgainWork"
    assert states["AgainAgain"]["Default"] == "AgainDone"
    assert states["AgainReport"]["Next"] == "AgainDone"
    assert states["AgainReport"]["ItemProcessor"] == {
        "ProcessorConfig": {"Mode": "INLINE"},
        "StartAt": "AgainReportOne",
        "States": {"AgainReportOne": {"Type": "Pass", "End": True}},
    }


def test_two_maps_include_one_loop_each_under_its_own_prefix(tmp_path: Path) -> None:
    # Given two Maps including the same loop, one without a prefix
    first = _map_including("", {"Done": {"Type": "Succeed"}})
    first |= {"Next": "Second"}
    del first["End"]
    workflow = _workflow(
        tmp_path,
        {"First": first, "Second": _map_including("Second", {"SecondDone": {"Type": "Succeed"}})},
        FRAGMENT,
    )

    # When the workflow is rendered
    rendered = json.loads(render_definition(workflow))["States"]

    # Then each Map holds the loop once, under its own names
    assert set(rendered["First"]["ItemProcessor"]["States"]) == {"Work", "Again", "Report", "Done"}
    assert set(rendered["Second"]["ItemProcessor"]["States"]) == {
        "SecondWork",
        "SecondAgain",
        "SecondReport",
        "SecondDone",
    }


def test_a_state_the_map_gives_that_the_loop_also_brings_is_refused(tmp_path: Path) -> None:
    # Given a Map whose own states include one named as a state of the loop, once prefixed
    workflow = _workflow(
        tmp_path,
        {"Loop": _map_including("P", {"PDone": {"Type": "Succeed"}, "PWork": {"Type": "Pass"}})},
        FRAGMENT,
    )

    # When the workflow is rendered
    with pytest.raises(StateNameClashError) as raised:
        render_definition(workflow)

    # Then the clash is named
    assert "PWork" in str(raised.value)


def test_a_loop_going_on_to_a_state_the_map_does_not_give_is_refused(tmp_path: Path) -> None:
    # Given a Map that includes the loop but gives no Done under its prefix
    workflow = _workflow(
        tmp_path, {"Loop": _map_including("P", {"Done": {"Type": "Succeed"}})}, FRAGMENT
    )

    # When the workflow is rendered
    with pytest.raises(UnknownStateError) as raised:
        render_definition(workflow)

    # Then the reference that leads nowhere is named
    assert "PDone" in str(raised.value)


def test_a_start_naming_no_state_is_refused_in_a_workflow_without_fragments(
    tmp_path: Path,
) -> None:
    # Given a workflow that starts at a state it does not have
    workflow = tmp_path / "workflow.asl.json"
    workflow.write_text(json.dumps({"StartAt": "Nowhere", "States": {"Here": {"Type": "Pass"}}}))

    # When it is rendered
    with pytest.raises(UnknownStateError) as raised:
        render_definition(workflow)

    # Then the missing state is named
    assert "'Nowhere'" in str(raised.value)


def test_a_fragment_that_is_not_there_is_refused(tmp_path: Path) -> None:
    # Given a Map that includes a file the workflows directory does not hold
    workflow = tmp_path / "workflow.asl.json"
    workflow.write_text(
        json.dumps({"StartAt": "Loop", "States": {"Loop": _map_including("P", {})}})
    )

    # When the workflow is rendered
    with pytest.raises(MissingFragmentError) as raised:
        render_definition(workflow)

    # Then the missing file is named
    assert "loop.asl.json" in str(raised.value)


def test_a_map_that_includes_a_loop_and_starts_elsewhere_is_refused(tmp_path: Path) -> None:
    # Given a Map that includes the loop and also names a state to start at
    including = _map_including("P", {"PDone": {"Type": "Succeed"}})
    including["ItemProcessor"]["StartAt"] = "PDone"
    workflow = _workflow(tmp_path, {"Loop": including}, FRAGMENT)

    # When the workflow is rendered
    with pytest.raises(WorkflowDefinitionError) as raised:
        render_definition(workflow)

    # Then the two starts are refused, the one it names among them
    assert "'PDone'" in str(raised.value)
