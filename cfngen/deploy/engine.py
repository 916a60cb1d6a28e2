"""Deploying one stack, as a straight line:

    1. look    DescribeStacks; only "does not exist" means missing
    2. settle  act on the status table (plan.py): wait, delete a never-created stack, or refuse
    3. no-op   the deployed template, parameters and tags equal ours -> "up to date", no change set
    4. change  create a CREATE/UPDATE change set and show its rows; none -> "no changes"
    5. stop    --dry-run (or a "no" at --confirm): delete the change set, and the empty stack a CREATE left
    6. execute with a ClientRequestToken; follow this run's events until the stack settles
    7. report  the first failed resource and why, or the outputs

Collaborators (clients, clocks, sleep, output, request tokens) come in through `aws` and `io`, so every step
runs the same against AWS, moto, or botocore's Stubber. Every exit goes through `_finish`; the stack reads
live in stacks.py.

A dry run (a preview: `deploy --dry-run`, `diff`) writes nothing but its change set, and the empty
REVIEW_IN_PROGRESS stack a CREATE change set leaves, both deleted before it returns: it never calls
`Target.upload`, never turns termination protection on, and never deletes a stack to recreate it. Every
result carries the `Differences` step 3 found, which is what `cfngen diff` prints.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, assert_never

from botocore.exceptions import ClientError
from botocore.parsers import ResponseParserError

from cfngen.deploy import artifacts, awserrors, changeset, compare, plan, stacks
from cfngen.deploy.compare import Differences
from cfngen.deploy.events import EventStream, Io, first_failure, wait
from cfngen.errors import OperationFailed, UsageError

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_cloudformation.literals import ChangeSetTypeType
    from mypy_boto3_cloudformation.type_defs import StackTypeDef

    from cfngen.deploy.session import AwsClients

SUCCESS = {"CREATE_COMPLETE", "UPDATE_COMPLETE"}


class Outcome(StrEnum):
    """How a stack's deploy ended; the value is what the summary and --json print."""

    CREATED = "created"
    UPDATED = "updated"
    NO_CHANGES = "no-changes"
    UP_TO_DATE = "up-to-date"
    DRY_RUN = "dry-run"
    CANCELLED = "cancelled"
    FAILED = "failed"

    @property
    def deployed(self) -> bool:
        """The stack now runs what was asked for: it has outputs, and smoke tests may call it."""
        return self in (Outcome.CREATED, Outcome.UPDATED, Outcome.NO_CHANGES, Outcome.UP_TO_DATE)


@dataclass(frozen=True)
class Target:
    """What to deploy, prepared by the pure side: canonical template text and parameter values."""

    stack: str
    template: str
    parameters: Mapping[str, str]
    tags: Mapping[str, str] = field(default_factory=dict)
    explicit: frozenset[str] = frozenset()  # parameters the user set with --parameter
    termination_protection: bool = False
    # Work that is only needed when something will change: upload code (returns a TemplateURL when the
    # template is too big to send inline, else None; never called in a dry run),
    # and the gate that must pass before anything executes (lint, running alongside).
    upload: Callable[[], str | None] | None = field(default=None, compare=False)
    gate: Callable[[], None] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Options:
    update_if_exists: bool = True
    dry_run: bool = False
    confirm: Callable[[changeset.ChangeSet], bool] | None = None
    timeout: float | None = None


@dataclass
class Result:
    stack: str
    result: Outcome
    outputs: dict[str, str] = field(default_factory=dict)
    duration_s: float = 0.0
    rows: tuple[changeset.Row, ...] = ()
    notes: list[str] = field(default_factory=list)
    differences: Differences | None = None  # None only for a stack that failed before it was compared


def deploy_stack(aws: AwsClients, target: Target, options: Options, io: Io) -> Result:
    cfn = aws.client("cloudformation")
    started = io.clock()
    name = target.stack
    current = _settle(cfn, name, options, io)
    template = json.loads(target.template)
    parameters, notes = dict(target.parameters), list[str]()
    if current is not None:
        previous = stacks.deployed_template(cfn, name)
        parameters, notes = compare.keep_deployed_switches(
            current, previous, template, target.parameters, target.explicit
        )
        found = compare.differences(current, previous, template, parameters, target.tags)
    else:
        found = compare.differences(None, None, template, parameters, target.tags)

    def finish(outcome: Outcome, now: StackTypeDef | None, rows: tuple[changeset.Row, ...] = ()) -> Result:
        result = Result(name, outcome, rows=rows, notes=notes, differences=found)
        return _finish(cfn, target, now, io, result, started, options)

    if not found.any:
        io.echo(f"{name}: up to date (deployed template and parameters match)")
        return finish(Outcome.UP_TO_DATE, current)
    if options.dry_run and artifacts.needs_url(target.template):
        notes.append(
            f"no change set: the template is {len(target.template.encode()):,} bytes, over the "
            f"{artifacts.TEMPLATE_BODY_MAX:,} CloudFormation takes inline, and a preview uploads nothing "
            "(deploy stores it in the artifact bucket and passes its URL)"
        )
        io.echo(f"{name}: {notes[-1]}")
        return finish(Outcome.DRY_RUN, current)
    created = _change_set(cfn, target, current, template, parameters, io, options)
    if created is None:
        io.echo(f"{name}: no changes")
        return finish(Outcome.NO_CHANGES, current)
    io.echo(f"{name}: change set ({created.type}, {len(created.rows)} change(s)):")
    for row in created.rows:
        io.echo(str(row))
    if not _go_ahead(cfn, created, target, options):
        return finish(Outcome.DRY_RUN if options.dry_run else Outcome.CANCELLED, current, created.rows)
    _execute(cfn, created, io, options)
    return finish(Outcome.CREATED if created.type == "CREATE" else Outcome.UPDATED, None, created.rows)


def _finish(
    cfn: CloudFormationClient,
    target: Target,
    current: StackTypeDef | None,
    io: Io,
    result: Result,
    started: float,
    options: Options,
) -> Result:
    """Every way out of deploy_stack: a deployed stack gets its protection (not in a dry run, which writes
    nothing) and outputs; all get a duration."""
    if result.result.deployed:
        if not options.dry_run:
            _protect(cfn, target, current)
        result.outputs = stacks.outputs(cfn, result.stack)
    result.duration_s = io.clock() - started
    return result


def _settle(cfn: CloudFormationClient, name: str, options: Options, io: Io) -> StackTypeDef | None:
    """Bring the stack to a state we can create or update from; the current description, or None."""
    while True:
        current = stacks.describe_stack(cfn, name)
        status = None if current is None else str(current["StackStatus"])
        action = plan.action_for(status)
        if action is plan.Action.CREATE:
            return None
        if action is plan.Action.UPDATE:
            if not options.update_if_exists:
                raise UsageError(
                    f"stack {name} already exists ({status})", hint="drop --no-update-if-exists to update it"
                )
            return current
        if action is plan.Action.REFUSE:
            raise OperationFailed(
                f"stack {name} is {status}: cfngen will not touch it", hint=plan.next_step(str(status), name)
            )
        if action is plan.Action.WAIT:
            io.echo(f"{name}: {status}; waiting for it to finish")
            _wait_for_others(cfn, name, io, options.timeout)
        elif action is plan.Action.RECREATE:
            io.echo(f"{name}: {status} (never created, holds nothing): deleting it before creating it again")
            if options.dry_run:
                raise UsageError(f"stack {name} is {status}", hint="deploy without --dry-run deletes and recreates it")
            _delete_and_wait(cfn, name, io, options.timeout)
        else:
            assert_never(action)


def _wait_for_others(cfn: CloudFormationClient, name: str, io: Io, timeout: float | None) -> None:
    """Follow another operation (all its events: it has its own token) until the stack settles or is gone."""
    try:
        wait(cfn, EventStream(cfn, name, None, io.now()), io, timeout=timeout)
    except ClientError as exc:
        if not awserrors.is_stack_missing(exc):  # a finished delete: the stack is simply gone
            raise


def _delete_and_wait(cfn: CloudFormationClient, name: str, io: Io, timeout: float | None) -> None:
    token = io.token()
    since = io.now() - dt.timedelta(seconds=1)
    cfn.delete_stack(StackName=name, ClientRequestToken=token)
    stream = EventStream(cfn, name, token, since)
    try:
        status = wait(cfn, stream, io, timeout=timeout)
    except ClientError as exc:
        if awserrors.is_stack_missing(exc):
            return
        raise
    if status not in ("DELETE_COMPLETE",):
        raise OperationFailed(f"stack {name} could not be deleted ({status})", hint=plan.next_step(status, name))


def _change_set(
    cfn: CloudFormationClient,
    target: Target,
    current: StackTypeDef | None,
    template: Mapping[str, Any],
    parameters: Mapping[str, str],
    io: Io,
    options: Options,
) -> changeset.ChangeSet | None:
    """Upload what the change set needs (not in a dry run: a change set does not read the code, so its
    key is enough), then create it; None when it would change nothing."""
    change_set_type: ChangeSetTypeType = "UPDATE" if current is not None else "CREATE"
    token = io.token()
    url = target.upload() if target.upload is not None and not options.dry_run else None
    body = {"TemplateURL": url} if url else {"TemplateBody": target.template}
    try:
        return changeset.create(
            cfn,
            io,
            stack=target.stack,
            name=token,
            change_set_type=change_set_type,
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in sorted(parameters.items())],
            Capabilities=stacks.capabilities(template),
            Tags=[{"Key": k, "Value": v} for k, v in sorted(target.tags.items())],
            **body,
        )
    except KeyboardInterrupt:  # changeset.create deleted its change set; a CREATE also left an empty stack
        if change_set_type == "CREATE":
            _delete_empty_stack(cfn, target.stack)
        raise


def _go_ahead(cfn: CloudFormationClient, created: changeset.ChangeSet, target: Target, options: Options) -> bool:
    """Whether to execute: lint passed, not a dry run, and a yes at --confirm. Otherwise (and when the gate or
    the prompt raises, Ctrl-C included) the change set is discarded."""
    go = False
    try:
        if target.gate is not None and not options.dry_run:
            target.gate()  # raises (after we discard the change set) when lint failed
        go = not options.dry_run and (options.confirm is None or options.confirm(created))
    finally:
        if not go:
            _discard(cfn, created)
    return go


def _discard(cfn: CloudFormationClient, created: changeset.ChangeSet) -> None:
    changeset.delete(cfn, created.id, created.stack)
    if created.type == "CREATE":
        _delete_empty_stack(cfn, created.stack)


def _delete_empty_stack(cfn: CloudFormationClient, stack: str) -> None:
    """A CREATE change set leaves a REVIEW_IN_PROGRESS stack that holds nothing: remove it with the set."""
    current = stacks.describe_stack(cfn, stack)
    if current is not None and current["StackStatus"] == "REVIEW_IN_PROGRESS":
        cfn.delete_stack(StackName=stack)


def _protect(cfn: CloudFormationClient, target: Target, current: StackTypeDef | None) -> None:
    already = current is not None and current.get("EnableTerminationProtection", False)
    if target.termination_protection and not already:
        try:
            cfn.update_termination_protection(StackName=target.stack, EnableTerminationProtection=True)
        # Denied (a ClientError); moto 5 does not implement the call: HTTP 500 with an HTML body, unparseable.
        except (ClientError, ResponseParserError) as exc:
            raise OperationFailed(
                f"{target.stack}: deployed, but termination protection could not be turned on: "
                f"{awserrors.message(exc)}",
                hint=f"aws cloudformation update-termination-protection --enable-termination-protection "
                f"--stack-name {target.stack}",
            ) from exc


def _execute(cfn: CloudFormationClient, created: changeset.ChangeSet, io: Io, options: Options) -> None:
    """Execute with the change set's name as ClientRequestToken and follow this run's events until it settles."""
    since = io.now() - dt.timedelta(seconds=1)
    cfn.execute_change_set(ChangeSetName=created.id, StackName=created.stack, ClientRequestToken=created.name)
    stream = EventStream(cfn, created.stack, created.name, since)
    try:
        status = wait(cfn, stream, io, timeout=options.timeout)
    except KeyboardInterrupt:
        io.echo(
            f"{created.stack}: interrupted; the stack is still updating in CloudFormation. "
            f"Follow it with `cfngen status {created.stack}`"
        )
        raise
    if status not in SUCCESS:
        failure = first_failure(stream.events)
        detail = (
            f"{failure.get('LogicalResourceId')} ({failure.get('ResourceType')}) "
            f"{failure.get('ResourceStatus')}: {failure.get('ResourceStatusReason')}"
            if failure
            else "no failure event was reported"
        )
        raise OperationFailed(
            f"{created.stack}: deploy failed ({status}): {detail}",
            hint="fix the cause and deploy again; the stack is left in a state the next deploy handles",
        )


def delete_stack(aws: AwsClients, stack: str, io: Io, *, timeout: float | None) -> None:
    """Delete and wait; a missing stack is an error (the user named it), a failed delete says what's next."""
    cfn = aws.client("cloudformation")
    current = stacks.require(cfn, stack)
    if current.get("EnableTerminationProtection"):
        raise OperationFailed(
            f"stack {stack} has termination protection",
            hint="aws cloudformation update-termination-protection --no-enable-termination-protection "
            f"--stack-name {stack}",
        )
    _delete_and_wait(cfn, stack, io, timeout)
