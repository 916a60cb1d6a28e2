"""Deploying one stack, as a straight line:

    1. look    DescribeStacks; only "does not exist" means missing
    2. settle  act on the status table (plan.py): wait, delete a never-created stack, or refuse
    3. no-op   the deployed template and parameters equal ours -> "up to date", no change set
    4. change  create a CREATE/UPDATE change set and show its rows; none -> "no changes"
    5. stop    --dry-run (or a "no" at --confirm): delete the change set, and the empty stack a CREATE left
    6. execute with a ClientRequestToken; follow this run's events until the stack settles
    7. report  the first failed resource and why, or the outputs

Collaborators (clients, clock, sleep, output) come in through `aws` and `io`, so every step runs the same
against AWS, moto, or botocore's Stubber.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cfngen import names
from cfngen.deploy import awserrors, changeset, plan
from cfngen.deploy.events import EventStream, Io, first_failure, in_progress, wait
from cfngen.errors import OperationFailed, UsageError

SUCCESS = {"CREATE_COMPLETE", "UPDATE_COMPLETE"}


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
    # template is too big to send inline, else None),
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
    result: str  # created | updated | no-changes | up-to-date | dry-run | cancelled | failed
    outputs: dict[str, str] = field(default_factory=dict)
    duration_s: float = 0.0
    rows: tuple[changeset.Row, ...] = ()
    notes: list[str] = field(default_factory=list)


def describe_stack(cfn: Any, stack: str) -> dict[str, Any] | None:
    try:
        stacks = cfn.describe_stacks(StackName=stack)["Stacks"]
    except Exception as exc:
        if awserrors.is_stack_missing(exc):
            return None
        raise
    return dict(stacks[0]) if stacks else None


def capabilities(template: Mapping[str, Any]) -> list[str]:
    """Only what the template needs: IAM resources need CAPABILITY_IAM, custom IAM names NAMED_IAM."""
    named = {"RoleName", "UserName", "GroupName", "ManagedPolicyName", "InstanceProfileName"}
    iam = [r for r in template.get("Resources", {}).values() if str(r.get("Type", "")).startswith("AWS::IAM::")]
    if any(named & set(r.get("Properties", {})) for r in iam):
        return ["CAPABILITY_NAMED_IAM"]
    return ["CAPABILITY_IAM"] if iam else []


def deploy_stack(aws: Any, target: Target, options: Options, io: Io) -> Result:
    cfn = aws.client("cloudformation")
    started = io.clock()
    name = target.stack
    current = _settle(cfn, name, options, io)
    result = Result(name, "")
    template = json.loads(target.template)
    parameters = dict(target.parameters)
    if current is not None:
        previous = deployed_template(cfn, name)
        parameters, result.notes = _keep_deployed_switches(current, previous, template, target)
        if _up_to_date(current, previous, template, parameters, target):
            io.echo(f"{name}: up to date (deployed template and parameters match)")
            _protect(cfn, name, target, current)
            result.result = "up-to-date"
            result.outputs = outputs(aws, name)
            result.duration_s = io.clock() - started
            return result
    change_set_type = "UPDATE" if current is not None else "CREATE"
    token = f"cfngen-{uuid.uuid4()}"
    url = target.upload() if target.upload is not None else None
    body = {"TemplateURL": url} if url else {"TemplateBody": target.template}
    try:
        created = changeset.create(
            cfn,
            io,
            stack=name,
            name=token,
            change_set_type=change_set_type,
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in sorted(parameters.items())],
            Capabilities=capabilities(template),
            Tags=[{"Key": k, "Value": v} for k, v in sorted(target.tags.items())],
            **body,
        )
    except KeyboardInterrupt:  # changeset.create deleted its change set; a CREATE also left an empty stack
        if change_set_type == "CREATE":
            _delete_empty_stack(cfn, name)
        raise
    if created is None:
        io.echo(f"{name}: no changes")
        _protect(cfn, name, target, current)
        result.result, result.duration_s = "no-changes", io.clock() - started
        result.outputs = outputs(aws, name)
        return result
    result.rows = created.rows
    io.echo(f"{name}: change set ({change_set_type}, {len(created.rows)} change(s)):")
    for row in created.rows:
        io.echo(str(row))
    try:
        if target.gate is not None and not options.dry_run:
            target.gate()  # raises (after we discard the change set) when lint failed
        if options.dry_run or (options.confirm is not None and not options.confirm(created)):
            _discard(cfn, created)
            result.result = "dry-run" if options.dry_run else "cancelled"
            result.duration_s = io.clock() - started
            return result
    except BaseException:
        _discard(cfn, created)
        raise
    _execute(cfn, created, token, target, io, options)
    result.result = "created" if change_set_type == "CREATE" else "updated"
    result.outputs = outputs(aws, name)
    result.duration_s = io.clock() - started
    return result


def _settle(cfn: Any, name: str, options: Options, io: Io) -> dict[str, Any] | None:
    """Bring the stack to a state we can create or update from; the current description, or None."""
    while True:
        current = describe_stack(cfn, name)
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
            stream = EventStream(cfn, name, None, dt.datetime.now(dt.UTC))
            try:
                wait(cfn, stream, io, timeout=options.timeout)
            except Exception as exc:
                if not awserrors.is_stack_missing(exc):  # a finished delete: the stack is simply gone
                    raise
            continue
        io.echo(f"{name}: {status} (never created, holds nothing): deleting it before creating it again")
        if options.dry_run:
            raise UsageError(f"stack {name} is {status}", hint="deploy without --dry-run deletes and recreates it")
        _delete_and_wait(cfn, name, io, options.timeout)


def _delete_and_wait(cfn: Any, name: str, io: Io, timeout: float | None) -> None:
    token = f"cfngen-{uuid.uuid4()}"
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    cfn.delete_stack(StackName=name, ClientRequestToken=token)
    stream = EventStream(cfn, name, token, since)
    try:
        status = wait(cfn, stream, io, timeout=timeout)
    except Exception as exc:
        if awserrors.is_stack_missing(exc):
            return
        raise
    if status not in ("DELETE_COMPLETE",):
        raise OperationFailed(f"stack {name} could not be deleted ({status})", hint=plan.next_step(status, name))


def _keep_deployed_switches(
    current: Mapping[str, Any], deployed_body: Mapping[str, Any], template: Mapping[str, Any], target: Target
) -> tuple[dict[str, str], list[str]]:
    """A mapping's Enabled parameter keeps its deployed value (set by enable/disable) unless --parameter
    sets it or the spec's default changed; so a deploy never silently flips a mapping back."""
    deployed = {p["ParameterKey"]: p.get("ParameterValue", "") for p in current.get("Parameters", [])}
    previous = deployed_body.get("Parameters", {})
    old_defaults = {k: str(v["Default"]) for k, v in previous.items() if "Default" in v}
    parameters = dict(target.parameters)
    notes = []
    for mapping, key in names.switches(template).items():
        if key in target.explicit or key not in deployed:
            continue
        default = str(template["Parameters"][key].get("Default"))
        if old_defaults.get(key) not in (None, default):
            notes.append(f"{mapping}: Enabled={default} (the spec's default changed)")
            parameters[key] = default
        elif deployed[key] != default:
            notes.append(f"{mapping}: keeping deployed Enabled={deployed[key]} (spec default {default})")
            parameters[key] = deployed[key]
    return parameters, notes


def deployed_template(cfn: Any, stack: str) -> dict[str, Any]:
    body = cfn.get_template(StackName=stack, TemplateStage="Original")["TemplateBody"]
    return dict(body) if isinstance(body, Mapping) else dict(json.loads(body))


def _up_to_date(
    current: Mapping[str, Any],
    deployed_body: Mapping[str, Any],
    template: Mapping[str, Any],
    parameters: Mapping[str, str],
    target: Target,
) -> bool:
    deployed = {p["ParameterKey"]: p.get("ParameterValue") for p in current.get("Parameters", [])}
    defaults = {k: str(v["Default"]) for k, v in template.get("Parameters", {}).items() if "Default" in v}
    tags = {t["Key"]: t["Value"] for t in current.get("Tags", [])}
    if deployed != {**defaults, **parameters} or tags != dict(target.tags):
        return False
    return deployed_body == template


def _discard(cfn: Any, created: changeset.ChangeSet) -> None:
    changeset.delete(cfn, created.id, created.stack)
    if created.type == "CREATE":
        _delete_empty_stack(cfn, created.stack)


def _delete_empty_stack(cfn: Any, stack: str) -> None:
    """A CREATE change set leaves a REVIEW_IN_PROGRESS stack that holds nothing: remove it with the set."""
    current = describe_stack(cfn, stack)
    if current is not None and current["StackStatus"] == "REVIEW_IN_PROGRESS":
        cfn.delete_stack(StackName=stack)


def _protect(cfn: Any, stack: str, target: Target, current: Mapping[str, Any] | None) -> None:
    if target.termination_protection and not (current or {}).get("EnableTerminationProtection"):
        try:
            cfn.update_termination_protection(StackName=stack, EnableTerminationProtection=True)
        except Exception as exc:  # e.g. denied; moto 5 does not implement this call at all (HTTP 500)
            raise OperationFailed(
                f"{stack}: deployed, but termination protection could not be turned on: {awserrors.message(exc)}",
                hint=f"aws cloudformation update-termination-protection --enable-termination-protection "
                f"--stack-name {stack}",
            ) from exc


def _execute(cfn: Any, created: changeset.ChangeSet, token: str, target: Target, io: Io, options: Options) -> None:
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    cfn.execute_change_set(ChangeSetName=created.id, StackName=created.stack, ClientRequestToken=token)
    stream = EventStream(cfn, created.stack, token, since)
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
    _protect(cfn, created.stack, target, None)


def outputs(aws: Any, stack: str) -> dict[str, str]:
    """The stack's outputs. Where an engine returns none for a stack that should have some (moto, for
    stacks created through change sets), the resources' physical ids stand in, marked as such."""
    cfn = aws.client("cloudformation")
    current = describe_stack(cfn, stack)
    if current is None:
        return {}
    found = {o["OutputKey"]: o["OutputValue"] for o in current.get("Outputs", [])}
    if found or in_progress(str(current["StackStatus"])):
        return dict(sorted(found.items()))
    expected = deployed_template(cfn, stack).get("Outputs")
    if not expected:
        return {}
    resources = stack_resources(cfn, stack)
    # moto lists resources it skipped (unsupported types) or cannot name (permissions) without ids: leave out.
    ids = {
        str(r["LogicalResourceId"]): str(r["PhysicalResourceId"])
        for r in resources
        if r.get("LogicalResourceId") and r.get("PhysicalResourceId")
    }
    return {f"resource:{k}": ids[k] for k in sorted(ids)}


def stack_resources(cfn: Any, stack: str) -> list[dict[str, Any]]:
    """Every resource of the stack (ListStackResources pages; DescribeStackResources stops at 100)."""
    pages = cfn.get_paginator("list_stack_resources").paginate(StackName=stack)
    return [dict(r) for page in pages for r in page["StackResourceSummaries"]]


def delete_stack(aws: Any, stack: str, io: Io, *, timeout: float | None) -> None:
    """Delete and wait; a missing stack is an error (the user named it), a failed delete says what's next."""
    cfn = aws.client("cloudformation")
    current = describe_stack(cfn, stack)
    if current is None:
        raise OperationFailed(f"stack {stack} does not exist")
    if current.get("EnableTerminationProtection"):
        raise OperationFailed(
            f"stack {stack} has termination protection",
            hint="aws cloudformation update-termination-protection --no-enable-termination-protection "
            f"--stack-name {stack}",
        )
    _delete_and_wait(cfn, stack, io, timeout)
