"""Step 2 of a deploy (engine.py), and `cfngen delete`: bring a stack to a state it can be created or
updated from, by the status table in plan.py: wait for an operation in progress, delete a stack that was
never created, or refuse with the next step.

A REVIEW_IN_PROGRESS stack holds nothing, but it may be another deploy's in progress: one whose CREATE
change set is being made or waits to be executed (a concurrent run, or one at its --confirm prompt). That
stack is never deleted: the deploy waits for it (up to OTHER_DEPLOY_WAIT, within --timeout), then decides
again, or refuses saying so.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, assert_never

from botocore.exceptions import ClientError

from cfngen.deploy import awserrors, changeset, plan, stacks
from cfngen.deploy.events import EventStream, Io, delays, wait
from cfngen.errors import OperationFailed, UsageError

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_cloudformation.type_defs import StackTypeDef

    from cfngen.deploy.engine import Options
    from cfngen.deploy.session import AwsClients


def settle(cfn: CloudFormationClient, name: str, options: Options, io: Io) -> StackTypeDef | None:
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
            _wait_for_others(cfn, name, io, options.remaining(io))
        elif current is not None and status == "REVIEW_IN_PROGRESS" and (others := _live(cfn, current)):
            _wait_for_review(cfn, name, others, io, options)
        elif action is plan.Action.RECREATE:
            io.echo(f"{name}: {status} (never created, holds nothing): deleting it before creating it again")
            if options.dry_run:
                raise UsageError(f"stack {name} is {status}", hint="deploy without --dry-run deletes and recreates it")
            delete_and_wait(cfn, name, io, options.remaining(io))
        else:
            assert_never(action)
        options.check(io, name, "settle")


def _wait_for_others(cfn: CloudFormationClient, name: str, io: Io, timeout: float | None) -> None:
    """Follow another operation (all its events: it has its own token) until the stack settles or is gone."""
    try:
        wait(cfn, EventStream(cfn, name, None, io.now()), io, timeout=timeout)
    except ClientError as exc:
        if not awserrors.is_stack_missing(exc):  # a finished delete: the stack is simply gone
            raise


OTHER_DEPLOY_WAIT = 120.0  # seconds to wait for another deploy's change set on a stack it is creating


def _wait_for_review(cfn: CloudFormationClient, name: str, others: list[str], io: Io, options: Options) -> None:
    """A REVIEW_IN_PROGRESS stack whose change set is being made, or waits to be executed, is another deploy in
    progress (a concurrent run, or one at its --confirm prompt): never delete it. Wait until it executes (or
    is dropped), then decide again; refuse when it takes too long."""
    remaining = options.remaining(io)
    limit = OTHER_DEPLOY_WAIT if remaining is None else min(OTHER_DEPLOY_WAIT, remaining)
    io.echo(f"{name}: another deploy is creating it (change set {', '.join(others)}); waiting up to {limit:.0f} s")
    deadline = io.clock() + limit
    for delay in delays(io.rng):
        if io.clock() + delay > deadline:
            raise OperationFailed(
                f"stack {name} is being created by another deploy (change set {', '.join(others)}): "
                "cfngen will not delete it; nothing deployed",
                hint="let that deploy finish and deploy again; if it was abandoned, delete its stack: "
                f"aws cloudformation delete-stack --stack-name {name}",
            )
        io.sleep(delay)
        current = stacks.describe_stack(cfn, name)
        if current is None or current["StackStatus"] != "REVIEW_IN_PROGRESS" or not (others := _live(cfn, current)):
            return


def _live(cfn: CloudFormationClient, current: StackTypeDef) -> list[str]:
    return changeset.live(cfn, str(current["StackName"]), str(current["StackId"]))


def delete_and_wait(cfn: CloudFormationClient, name: str, io: Io, timeout: float | None) -> None:
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


def delete_empty_stack(cfn: CloudFormationClient, stack: str) -> None:
    """A CREATE change set leaves a REVIEW_IN_PROGRESS stack that holds nothing: remove it with the set,
    unless another deploy has a change set on it (then it is that deploy's stack now)."""
    current = stacks.describe_stack(cfn, stack)
    if current is not None and current["StackStatus"] == "REVIEW_IN_PROGRESS" and not _live(cfn, current):
        cfn.delete_stack(StackName=stack)


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
    delete_and_wait(cfn, stack, io, timeout)
