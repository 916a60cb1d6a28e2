"""Change sets: create, wait until ready, show as rows, execute or delete.

An empty change set is success ("no changes"): AWS marks it FAILED with "didn't contain changes";
moto refuses CreateChangeSet at once with "No updates are to be performed." Both become None here
(probe: test_unchanged_change_set_with_parameters_is_refused_with_no_updates).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from cfngen.deploy import awserrors
from cfngen.deploy.events import Io, delays
from cfngen.errors import OperationFailed

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_cloudformation.literals import ChangeSetTypeType
    from mypy_boto3_cloudformation.type_defs import ChangeTypeDef, DescribeChangeSetOutputTypeDef

SYMBOLS = {"Add": "+", "Modify": "~", "Remove": "-", "Import": "<", "Dynamic": "?"}


@dataclass(frozen=True)
class Row:
    action: str
    logical_id: str
    resource_type: str
    replacement: str  # True | False | Conditional | "" (not a modify)

    @property
    def symbol(self) -> str:
        if self.action == "Modify" and self.replacement in ("True", "Conditional"):
            return "!"
        return SYMBOLS.get(self.action, "?")

    def __str__(self) -> str:
        extra = " (replacement)" if self.replacement == "True" else ""
        extra = " (may be replaced)" if self.replacement == "Conditional" else extra
        return f"  {self.symbol} {self.logical_id} ({self.resource_type}){extra}"


@dataclass(frozen=True)
class ChangeSet:
    stack: str
    name: str  # also the ClientRequestToken that executes it, so its events can be told from others'
    id: str
    type: str  # CREATE | UPDATE
    rows: tuple[Row, ...]


def create(
    cfn: CloudFormationClient, io: Io, *, stack: str, name: str, change_set_type: ChangeSetTypeType, **request: Any
) -> ChangeSet | None:
    """Create and wait until ready; None when there is nothing to change. Interrupted at any point, the change
    set is deleted (by name when the answer never came: the request may have created it)."""
    try:
        created = cfn.create_change_set(StackName=stack, ChangeSetName=name, ChangeSetType=change_set_type, **request)
    except KeyboardInterrupt:
        delete_when_settled(cfn, io, name, stack)
        raise
    except ClientError as exc:  # only AWS's refusal is a refusal; anything else is a bug and surfaces as one
        if awserrors.is_no_changes(awserrors.message(exc)):
            return None
        raise OperationFailed(f"{stack}: CloudFormation refused the change set: {awserrors.message(exc)}") from exc
    try:
        return _until_ready(cfn, io, stack, name, created["Id"], change_set_type)
    except KeyboardInterrupt:
        delete_when_settled(cfn, io, created["Id"], stack)
        raise


def _until_ready(
    cfn: CloudFormationClient, io: Io, stack: str, name: str, change_set_id: str, change_set_type: str
) -> ChangeSet | None:
    for delay in delays(io.rng):
        described = cfn.describe_change_set(ChangeSetName=change_set_id, StackName=stack)
        status = described["Status"]
        if status == "CREATE_COMPLETE":  # rows or none: moto lists none for a parameter-only change
            # (probe: test_parameter_only_change_set_lists_no_changes)
            return ChangeSet(stack, name, change_set_id, change_set_type, tuple(_rows(cfn, described)))
        if status == "FAILED":
            reason = str(described.get("StatusReason", ""))
            delete(cfn, change_set_id, stack)
            if awserrors.is_no_changes(reason):
                return None
            raise OperationFailed(f"{stack}: change set failed: {reason}")
        io.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def _rows(cfn: CloudFormationClient, described: DescribeChangeSetOutputTypeDef) -> list[Row]:
    changes: list[ChangeTypeDef] = list(described.get("Changes", []))
    token = described.get("NextToken")
    while token:
        page = cfn.describe_change_set(ChangeSetName=described["ChangeSetId"], NextToken=token)
        changes += page.get("Changes", [])
        token = page.get("NextToken")
    rows = []
    for change in changes:
        rc = change.get("ResourceChange", {})
        rows.append(
            Row(
                action=str(rc.get("Action", "")),
                logical_id=str(rc.get("LogicalResourceId", "")),
                resource_type=str(rc.get("ResourceType", "")),
                # moto's rows carry no Replacement (probe: test_change_set_rows_carry_no_replacement)
                replacement=str(rc.get("Replacement", "")) if rc.get("Action") == "Modify" else "",
            )
        )
    return sorted(rows, key=lambda r: r.logical_id)


def delete(cfn: CloudFormationClient, change_set_id: str, stack: str) -> None:
    try:
        cfn.delete_change_set(ChangeSetName=change_set_id, StackName=stack)
    except ClientError as exc:
        if not awserrors.is_change_set_missing(exc):
            raise


def delete_when_settled(cfn: CloudFormationClient, io: Io, change_set: str, stack: str, *, limit: float = 30.0) -> None:
    """Delete a change set that may still be being created (CloudFormation refuses to delete it until it is
    ready): retry for up to `limit` seconds. Gone already (or never made) is fine."""
    deadline = io.clock() + limit
    for delay in delays(io.rng):
        try:
            return delete(cfn, change_set, stack)
        except ClientError as exc:
            if not awserrors.is_change_set_busy(exc) or io.clock() + delay > deadline:
                raise
        io.sleep(delay)


# A change set someone is about to execute (or executing): its REVIEW_IN_PROGRESS stack is a deploy in progress.
LIVE_STATUSES = {"CREATE_PENDING", "CREATE_IN_PROGRESS", "CREATE_COMPLETE"}
LIVE_EXECUTION = {"UNAVAILABLE", "AVAILABLE", "EXECUTE_IN_PROGRESS"}


def live(cfn: CloudFormationClient, stack: str, stack_id: str) -> list[str]:
    """The change sets of the stack `stack_id` being created, ready to execute or executing, as "name (status)".

    Only that stack's: moto lists every stack's change sets, deleted stacks' included
    (probe: test_list_change_sets_lists_every_stacks_change_sets)."""
    found: list[str] = []
    token = None
    while True:
        try:
            page = cfn.list_change_sets(StackName=stack, **({"NextToken": token} if token else {}))
        except ClientError as exc:
            if awserrors.is_stack_missing(exc):
                return found
            raise
        for summary in page.get("Summaries", []):
            status, execution = str(summary.get("Status", "")), str(summary.get("ExecutionStatus", "AVAILABLE"))
            if summary.get("StackId") == stack_id and status in LIVE_STATUSES and execution in LIVE_EXECUTION:
                found.append(f"{summary.get('ChangeSetName')} ({status}, {execution})")
        token = page.get("NextToken")
        if not token:
            return found
