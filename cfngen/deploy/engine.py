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

import dataclasses
import datetime as dt
import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError
from botocore.parsers import ResponseParserError

from cfngen.deploy import artifacts, awserrors, changeset, compare, drift, settle, stacks
from cfngen.deploy.compare import Differences
from cfngen.deploy.events import EventStream, Io, first_failure, wait
from cfngen.deploy.settle import delete_stack as delete_stack  # the CLI's `delete`
from cfngen.errors import OperationFailed

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
    NOT_ATTEMPTED = "not-attempted"  # a stack it takes values from failed in the same run

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
    timeout: float | None = None  # seconds for the whole deploy (every stack of the run), not each wait
    deadline: float | None = None  # io.clock() value set from `timeout` when the run starts

    def started(self, io: Io) -> Options:
        """These options with the deadline fixed (once, at the start of the run)."""
        if self.timeout is None or self.deadline is not None:
            return self
        return dataclasses.replace(self, deadline=io.clock() + self.timeout)

    def remaining(self, io: Io) -> float | None:
        return None if self.deadline is None else max(0.0, self.deadline - io.clock())

    def check(self, io: Io, stack: str, step: str) -> None:
        """Stop before `step` once the --timeout is spent."""
        if self.deadline is not None and io.clock() >= self.deadline:
            raise OperationFailed(
                f"timed out: --timeout {self.timeout:g}s was spent before {stack} could {step}",
                hint=f"nothing more was started; see where {stack} stands with `cfngen status {stack}`",
            )


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
    options = options.started(io)
    if target.upload is not None:  # the code drift repair and the change set may both need the upload: once
        target = dataclasses.replace(target, upload=functools.cache(target.upload))
    options.check(io, name, "start")
    current = settle.settle(cfn, name, options, io)
    template = json.loads(target.template)
    parameters, notes = dict(target.parameters), list[str]()
    previous: dict[str, Any] | None = None
    if current is not None:
        previous = stacks.deployed_template(cfn, name)
        parameters, notes = compare.keep_deployed(current, previous, template, target.parameters, target.explicit)
        found = compare.differences(current, previous, template, parameters, target.tags)
    else:
        found = compare.differences(None, None, template, parameters, target.tags)

    def finish(outcome: Outcome, now: StackTypeDef | None, rows: tuple[changeset.Row, ...] = ()) -> Result:
        result = Result(name, outcome, rows=rows, notes=notes, differences=found)
        # Unchanged since it was read (no change set executed): its description and template still hold.
        return _finish(cfn, target, now, previous if now is not None else None, io, result, started, options)

    repaired = current is not None and _repair_code(aws, cfn, target, template, parameters, found, notes, io, options)
    if not found.any:
        if repaired:
            return finish(Outcome.UPDATED, current)
        io.echo(f"{name}: up to date (deployed template, parameters and function code match)")
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
    created = dataclasses.replace(created, rows=compare.replacements(created.rows, previous, template))
    io.echo(f"{name}: change set ({created.type}, {len(created.rows)} change(s)):")
    for row in created.rows:
        io.echo(str(row))
    if not _go_ahead(cfn, created, target, options, io):
        return finish(Outcome.DRY_RUN if options.dry_run else Outcome.CANCELLED, current, created.rows)
    _execute(cfn, created, io, options)
    return finish(Outcome.CREATED if created.type == "CREATE" else Outcome.UPDATED, None, created.rows)


def _repair_code(
    aws: AwsClients,
    cfn: CloudFormationClient,
    target: Target,
    template: Mapping[str, Any],
    parameters: Mapping[str, str],
    found: Differences,
    notes: list[str],
    io: Io,
    options: Options,
) -> bool:
    """Functions whose code was replaced outside CloudFormation get back the code the stack names (a dry run
    only notes it); a deleted function stops the deploy. Code keys the deploy changes are left to the change
    set. Whether anything was restored."""
    changing = {c.key for c in found.parameters}
    drifted = drift.find(aws, cfn, target.stack, template, {k: v for k, v in parameters.items() if k not in changing})
    drift.refuse_missing(target.stack, drifted)
    for d in drifted:
        notes.append(d.describe() + (": a deploy restores it" if options.dry_run else ": restored"))
        io.echo(f"{target.stack}: {notes[-1]}")
    if not drifted or options.dry_run:
        return False
    if target.upload is not None:
        target.upload()  # the key is in the bucket (a lifecycle rule may have expired it)
    drift.restore(aws, drifted)
    return True


def _finish(
    cfn: CloudFormationClient,
    target: Target,
    current: StackTypeDef | None,
    deployed: Mapping[str, Any] | None,
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
        result.outputs = stacks.outputs(cfn, result.stack, current=current, template=deployed)
    result.duration_s = io.clock() - started
    return result


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
    options.check(io, target.stack, "create its change set")
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
            Parameters=compare.sent(parameters, template),
            Capabilities=stacks.capabilities(template),
            Tags=[{"Key": k, "Value": v} for k, v in sorted(target.tags.items())],
            **body,
        )
    except KeyboardInterrupt:  # changeset.create deleted its change set; a CREATE also left an empty stack
        if change_set_type == "CREATE":
            settle.delete_empty_stack(cfn, target.stack)
        raise


def _go_ahead(
    cfn: CloudFormationClient, created: changeset.ChangeSet, target: Target, options: Options, io: Io
) -> bool:
    """Whether to execute: lint passed, not a dry run, a yes at --confirm, and time left. Otherwise (and when
    the gate or the prompt raises, Ctrl-C included) the change set is discarded."""
    go = False
    try:
        if target.gate is not None and not options.dry_run:
            target.gate()  # raises (after we discard the change set) when lint failed
        go = not options.dry_run and (options.confirm is None or options.confirm(created))
        if go:
            options.check(io, created.stack, "execute its change set")
    finally:
        if not go:
            _discard(cfn, created, io)
    return go


def _discard(cfn: CloudFormationClient, created: changeset.ChangeSet, io: Io) -> None:
    changeset.delete_when_settled(cfn, io, created.id, created.stack)
    if created.type == "CREATE":
        settle.delete_empty_stack(cfn, created.stack)


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
    """Execute with the change set's name as ClientRequestToken and follow this run's events until it settles.
    A refused execute (e.g. a parameter without a value) deletes the change set; Ctrl-C says where things stand."""
    since = io.now() - dt.timedelta(seconds=1)
    try:
        cfn.execute_change_set(ChangeSetName=created.id, StackName=created.stack, ClientRequestToken=created.name)
    # moto runs the change set inside the call: a resource's error comes back as an answer botocore cannot parse
    # (a JSON body in an XML API; probe: test_execute_change_set_returns_a_resources_error_as_json). Either way
    # the change set is deleted, so no live change set blocks the next deploy.
    except (ClientError, ResponseParserError) as exc:
        _discard(cfn, created, io)
        raise OperationFailed(
            f"{created.stack}: CloudFormation refused to execute the change set: {awserrors.message(exc)}; "
            "the change set was deleted, nothing changed"
        ) from exc
    except KeyboardInterrupt:
        io.echo(_interrupted_execute(cfn, created, io))
        raise
    stream = EventStream(cfn, created.stack, created.name, since)
    try:
        status = wait(cfn, stream, io, timeout=options.remaining(io))
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


def _interrupted_execute(cfn: CloudFormationClient, created: changeset.ChangeSet, io: Io) -> str:
    """Ctrl-C while ExecuteChangeSet was in flight: it did not start (delete the change set), or it did."""
    try:
        execution: str = cfn.describe_change_set(ChangeSetName=created.id, StackName=created.stack).get(
            "ExecutionStatus", ""
        )
    except ClientError:
        execution = "gone"  # executed change sets may be removed as the stack moves on
    if execution == "AVAILABLE":
        _discard(cfn, created, io)
        return f"{created.stack}: interrupted before CloudFormation started the change set: deleted it, nothing changed"
    current = stacks.describe_stack(cfn, created.stack)
    status = "gone" if current is None else current["StackStatus"]
    return (
        f"{created.stack}: interrupted; the change set was executed and the stack is still updating in "
        f"CloudFormation without cfngen (now {status}). Follow it with `cfngen status {created.stack}`"
    )
