"""Reading deployed stacks: description, template, resources, outputs. Read-only calls only.

The deploy engine, the bootstrap lookup, `status` and the operating commands all read stacks the same
way through here. Only AWS's "does not exist" answer means "no such stack" (a throttled or denied
DescribeStacks propagates); a command that needs the stack says so with `require`, one error for all.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from cfngen.deploy import awserrors
from cfngen.deploy.events import in_progress
from cfngen.errors import OperationFailed

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_cloudformation.literals import CapabilityType
    from mypy_boto3_cloudformation.type_defs import StackResourceSummaryTypeDef, StackTypeDef


def describe_stack(cfn: CloudFormationClient, stack: str) -> StackTypeDef | None:
    """The stack's description, or None when the account holds no stack of that name."""
    try:
        stacks = cfn.describe_stacks(StackName=stack)["Stacks"]
    except ClientError as exc:
        if awserrors.is_stack_missing(exc):
            return None
        raise
    return stacks[0] if stacks else None


def require(cfn: CloudFormationClient, stack: str, *, hint: str | None = None) -> StackTypeDef:
    """The description of a stack the user named. A missing one fails the operation (exit 1, as every AWS
    failure): the call was right, the account just does not hold that stack."""
    current = describe_stack(cfn, stack)
    if current is None:
        raise OperationFailed(f"stack {stack} does not exist", hint=hint)
    return current


def capabilities(template: Mapping[str, Any]) -> list[CapabilityType]:
    """Only what the template needs: IAM resources need CAPABILITY_IAM, custom IAM names NAMED_IAM."""
    named = {"RoleName", "UserName", "GroupName", "ManagedPolicyName", "InstanceProfileName"}
    iam = [r for r in template.get("Resources", {}).values() if str(r.get("Type", "")).startswith("AWS::IAM::")]
    if any(named & set(r.get("Properties", {})) for r in iam):
        return ["CAPABILITY_NAMED_IAM"]
    return ["CAPABILITY_IAM"] if iam else []


def deployed_template(cfn: CloudFormationClient, stack: str) -> dict[str, Any]:
    """The template as it was submitted (Original stage); boto3 parses JSON bodies itself, YAML stays text."""
    body: Any = cfn.get_template(StackName=stack, TemplateStage="Original")["TemplateBody"]
    return dict(body) if isinstance(body, Mapping) else dict(json.loads(body))


def stack_resources(cfn: CloudFormationClient, stack: str) -> list[StackResourceSummaryTypeDef]:
    """Every resource of the stack (ListStackResources pages; DescribeStackResources stops at 100)."""
    pages = cfn.get_paginator("list_stack_resources").paginate(StackName=stack)
    return [r for page in pages for r in page["StackResourceSummaries"]]


def outputs(
    cfn: CloudFormationClient,
    stack: str,
    *,
    current: StackTypeDef | None = None,
    template: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """The stack's outputs. Where an engine returns none for a stack that should have some (moto, for
    stacks created through change sets), the resources' physical ids stand in, marked as such.
    (probe: test_stack_created_by_a_change_set_has_no_outputs)

    `current` (its description) and `template` (its deployed template), when the caller read them and the
    stack has not changed since, spare the reads: an up-to-date deploy does not ask twice."""
    current = current if current is not None else describe_stack(cfn, stack)
    if current is None:
        return {}
    found = {o["OutputKey"]: o["OutputValue"] for o in current.get("Outputs", [])}
    if found or in_progress(str(current["StackStatus"])):
        return dict(sorted(found.items()))
    expected = (template if template is not None else deployed_template(cfn, stack)).get("Outputs")
    if not expected:
        return {}
    resources = stack_resources(cfn, stack)
    # moto lists resources it skipped (unsupported types) or cannot name (permissions) without ids: leave out
    # (probes: test_unsupported_resource_types_are_listed_without_ids, test_lambda_permission_has_no_physical_id).
    ids = {
        str(r["LogicalResourceId"]): str(r["PhysicalResourceId"])
        for r in resources
        if r.get("LogicalResourceId") and r.get("PhysicalResourceId")
    }
    return {f"resource:{k}": ids[k] for k in sorted(ids)}
