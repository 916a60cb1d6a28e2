"""Following a stack operation: poll with backoff and jitter, print this run's events, find the first failure.

Only this run's events are shown: those carrying our ClientRequestToken, or (where the engine sets no
token, as moto does) those after the run started. Polls start fast so a quick backend is not slowed
down, and back off to a cap; throttling is absorbed by botocore's adaptive retries, and a poll throttled
past them is skipped: it never fails a deploy.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from cfngen.deploy import awserrors
from cfngen.errors import OperationFailed

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_cloudformation.type_defs import StackEventTypeDef as Event


def new_token() -> str:
    """A ClientRequestToken (also the change set's name): CloudFormation stamps this run's events with it."""
    return f"cfngen-{uuid.uuid4()}"


def no_step(_label: str) -> AbstractContextManager[None]:
    """A long step shown as nothing: the default, and what several stacks or regions at once use."""
    return contextlib.nullcontext()


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Io:
    """The collaborators that make a run testable: clocks, sleep, output, randomness, request tokens."""

    echo: Callable[[str], None] = print
    clock: Callable[[], float] = time.monotonic  # durations and deadlines
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)
    style: Callable[[str, str | None], str] = lambda text, _colour: text
    token: Callable[[], str] = new_token
    now: Callable[[], dt.datetime] = utc_now  # wall clock, compared with event timestamps
    # A long step (packaging with its dependency installs, an upload, waiting on a stack): the CLI shows a spinner
    # with the elapsed time on a terminal, a plain line with the time taken in CI logs (cli/progress.py).
    step: Callable[[str], AbstractContextManager[None]] = no_step


def delays(rng: random.Random, first: float = 0.05, cap: float = 5.0, factor: float = 1.5) -> Iterator[float]:
    """0.05 s, then growing by 1.5x to 5 s, each with +-20% jitter so parallel runs do not poll in step."""
    delay = first
    while True:
        yield delay * rng.uniform(0.8, 1.2)
        delay = min(cap, delay * factor)


def in_progress(status: str) -> bool:
    return status.endswith("_IN_PROGRESS") and status != "REVIEW_IN_PROGRESS"


def colour_for(status: str) -> str | None:
    if status.endswith("_FAILED") or "ROLLBACK" in status:
        return "red"
    if status.endswith("_COMPLETE"):
        return "green"
    return "yellow" if status.endswith("_IN_PROGRESS") else None


@dataclass
class EventStream:
    cfn: CloudFormationClient
    stack: str
    token: str | None
    since: dt.datetime
    seen: set[str] = field(default_factory=set)
    events: list[Event] = field(default_factory=list)

    def _older(self, event: Event) -> bool:
        """From before this run: another operation's token, or (no tokens, as on moto) an earlier time.

        Tokens decide whenever both sides have one, so a skewed local clock cannot hide this run's events.
        (probe: test_stack_events_carry_no_client_request_token)
        """
        token = event.get("ClientRequestToken")
        if token and self.token:
            return bool(token != self.token)
        return bool(event["Timestamp"] < self.since)

    def poll(self) -> list[Event]:
        """New events of this run, oldest first (the API pages newest first: stop at the first older one)."""
        fresh: list[Event] = []
        for page in self.cfn.get_paginator("describe_stack_events").paginate(StackName=self.stack):
            stop = False
            for event in page["StackEvents"]:
                if event["EventId"] in self.seen or self._older(event):
                    stop = True
                    break
                self.seen.add(event["EventId"])
                fresh.append(event)
            if stop:
                break
        fresh.reverse()
        self.events += fresh
        return fresh


def describe(event: Event, style: Callable[[str, str | None], str]) -> str:
    status = event.get("ResourceStatus", "")
    reason = event.get("ResourceStatusReason")
    when = event["Timestamp"].astimezone(dt.UTC).strftime("%H:%M:%S")
    line = f"  {when} {style(f'{status:<28}', colour_for(status))} {event.get('LogicalResourceId')} "
    line += f"({event.get('ResourceType')})"
    return line + (f": {reason}" if reason else "")


def first_failure(events: list[Event]) -> Event | None:
    """The first failed resource: the cause. Later "cancelled" failures are its consequences."""
    failed = [e for e in events if str(e.get("ResourceStatus", "")).endswith("_FAILED")]
    causes = [e for e in failed if "cancelled" not in str(e.get("ResourceStatusReason", "")).lower()]
    chosen = causes or failed
    return chosen[0] if chosen else None


def wait(cfn: CloudFormationClient, stream: EventStream, io: Io, *, timeout: float | None) -> str:
    """Poll until the stack leaves *_IN_PROGRESS, printing events; returns the final status."""
    with io.step(f"{stream.stack}: waiting for CloudFormation"):
        return _wait(cfn, stream, io, timeout=timeout)


def _wait(cfn: CloudFormationClient, stream: EventStream, io: Io, *, timeout: float | None) -> str:
    deadline = None if timeout is None else io.clock() + timeout
    status = "an operation in progress"
    for delay in delays(io.rng):
        try:
            for event in stream.poll():
                io.echo(describe(event, io.style))
            status = str(cfn.describe_stacks(StackName=stream.stack)["Stacks"][0]["StackStatus"])
        except ClientError as exc:
            if not awserrors.is_throttling(exc):
                raise
            # Throttled past botocore's own retries: a poll tells us nothing, it is no failure. Back off.
        else:
            if not in_progress(status):
                for event in stream.poll():  # the last events may land after the status flips
                    io.echo(describe(event, io.style))
                return status
        if deadline is not None and io.clock() + delay > deadline:
            raise OperationFailed(
                f"timed out: stack {stream.stack} is still {status}",
                hint=f"it goes on in CloudFormation; follow it with `cfngen status {stream.stack}`",
            )
        io.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover
