"""Reading synthesized templates: find resources, follow references across stacks, and list
what each IAM role may do."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contracts.names import Handler

Templates = Mapping[str, Mapping[str, Any]]

# The functions the ingest state machine invokes.
INGEST_HANDLERS = (
    Handler.RESOLVE_LOOKUPS,
    Handler.PLAN_BATCHES,
    Handler.FETCH_ARTISTS,
    Handler.RECOMPUTE_SIMILARITY,
    Handler.NOTIFY_WAITERS,
    Handler.GIVE_UP_STALE_WAITERS,
    Handler.PLAN_REFRESH,
    Handler.PREPARE_SIMILARITY_REBUILD,
    Handler.COMPUTE_SIMILARITY_SHARD,
    Handler.FINISH_SIMILARITY_REBUILD,
    Handler.ABANDON_SIMILARITY_REBUILD,
)


@dataclass(frozen=True)
class ResourceRef:
    """A resource of one of the app's templates, optionally narrowed by an ARN suffix."""

    stack: str
    logical_id: str
    suffix: str = ""


Target = ResourceRef | str


@dataclass(frozen=True)
class Grant:
    actions: frozenset[str]
    resource: Target


def resources_of_type(template: Mapping[str, Any], resource_type: str) -> dict[str, Any]:
    return {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == resource_type
    }


def logical_id_where(
    template: Mapping[str, Any], resource_type: str, prop: str, value: object
) -> str:
    matches = [
        logical_id
        for logical_id, resource in resources_of_type(template, resource_type).items()
        if resource["Properties"].get(prop) == value
    ]
    assert len(matches) == 1, f"expected one {resource_type} with {prop}={value!r}: {matches}"
    return matches[0]


def resolve(value: Any, stack: str, templates: Templates) -> Target:
    """A reference as the resource it points to, following outputs into other stacks."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return _referenced(value["Ref"], stack)
    if "Fn::GetAtt" in value:
        return ResourceRef(stack, value["Fn::GetAtt"][0])
    if "Fn::GetStackOutput" in value:
        producer = value["Fn::GetStackOutput"]["StackName"]
        output = templates[producer]["Outputs"][value["Fn::GetStackOutput"]["OutputName"]]
        return resolve(output["Value"], producer, templates)
    if "Fn::Join" in value:
        return _joined(value, stack, templates)
    if "Fn::Select" in value and "Fn::Split" in value["Fn::Select"][1]:
        # A piece of a resource's attribute (an ID cut from an ARN) still names that resource.
        return resolve(value["Fn::Select"][1]["Fn::Split"][1], stack, templates)
    raise AssertionError(f"cannot tell what {value!r} in {stack} points to")


def resolve_resource(value: Any, stack: str, templates: Templates) -> ResourceRef:
    """Like `resolve`, for a value that must name one of the app's resources."""
    target = resolve(value, stack, templates)
    assert isinstance(target, ResourceRef), f"{value!r} in {stack} names no resource of the app"
    return target


def _joined(value: Any, stack: str, templates: Templates) -> Target:
    separator: str = value["Fn::Join"][0]
    resolved = [resolve(part, stack, templates) for part in value["Fn::Join"][1]]
    references = [part for part in resolved if isinstance(part, ResourceRef)]
    if not references:
        return separator.join(str(part) for part in resolved)
    if len(references) != 1 or separator != "":
        raise AssertionError(f"cannot tell what {value!r} in {stack} points to")
    (reference,) = references
    if resolved[0] is reference:
        # An ARN with a path: the resource, narrowed by what follows.
        suffix = "".join(str(part) for part in resolved[1:])
        return ResourceRef(reference.stack, reference.logical_id, suffix)
    # A name built around one resource's identifier (an rds-db user ARN around a proxy's ID):
    # the resource, with the whole pattern as its narrowing.
    pattern = "".join("<ref>" if part is reference else str(part) for part in resolved)
    return ResourceRef(reference.stack, reference.logical_id, pattern)


def _referenced(name: str, stack: str) -> Target:
    # A pseudo parameter (account, region, partition) is no resource: it reads as <AWS::Name>.
    return f"<{name}>" if name.startswith("AWS::") else ResourceRef(stack, name)


def function_properties(template: Mapping[str, Any], handler: str) -> Mapping[str, Any]:
    """The properties of the template's one function running `handler`."""
    function_id = logical_id_where(template, "AWS::Lambda::Function", "Handler", handler)
    properties: Mapping[str, Any] = template["Resources"][function_id]["Properties"]
    return properties


def tls_only_queues(template: Mapping[str, Any]) -> set[str]:
    """The logical IDs of the queues whose queue policy denies every request without TLS."""
    insecure = {"Bool": {"aws:SecureTransport": "false"}}
    found: set[str] = set()
    for policy in resources_of_type(template, "AWS::SQS::QueuePolicy").values():
        properties = policy["Properties"]
        if any(
            statement["Effect"] == "Deny"
            and statement["Action"] in ("sqs:*", ["sqs:*"])
            and statement.get("Condition") == insecure
            for statement in properties["PolicyDocument"]["Statement"]
        ):
            found |= {queue["Ref"] for queue in properties["Queues"]}
    return found


def role_of_function(template: Mapping[str, Any], handler: str) -> str:
    role: str = function_properties(template, handler)["Role"]["Fn::GetAtt"][0]
    return role


def subnet_tier(templates: Templates, subnet: ResourceRef) -> str:
    """The name of the VPC tier (`public`, `functions`, `database`) a subnet belongs to."""
    properties = templates[subnet.stack]["Resources"][subnet.logical_id]["Properties"]
    (tier,) = [tag["Value"] for tag in properties["Tags"] if tag["Key"] == "aws-cdk:subnet-name"]
    return str(tier)


def grants_of_role(stack: str, role_id: str, templates: Templates) -> set[Grant]:
    """Every (actions, resource) pair the role's inline and managed policies allow."""
    template = templates[stack]
    documents: list[tuple[str, Mapping[str, Any]]] = [
        (stack, policy["Properties"]["PolicyDocument"])
        for policy in resources_of_type(template, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
    ]
    role = template["Resources"][role_id]["Properties"]
    assert "Policies" not in role, "inline role policies are not read here"
    for arn in role.get("ManagedPolicyArns", []):
        managed = resolve(arn, stack, templates)
        assert isinstance(managed, ResourceRef), f"{role_id} uses a policy from outside: {arn}"
        resource = templates[managed.stack]["Resources"][managed.logical_id]
        assert resource["Type"] == "AWS::IAM::ManagedPolicy"
        documents.append((managed.stack, resource["Properties"]["PolicyDocument"]))

    grants: set[Grant] = set()
    for owner, document in documents:
        for statement in document["Statement"]:
            assert statement["Effect"] == "Allow"
            actions = statement["Action"]
            actions = frozenset([actions] if isinstance(actions, str) else actions)
            targets = statement["Resource"]
            for target in targets if isinstance(targets, list) else [targets]:
                grants.add(Grant(actions, resolve(target, owner, templates)))
    return grants
