"""Following a stack operation (cfngen/deploy/events.py): backoff, this run's events, the first failure, timeout.

moto cannot show these: it sets no ClientRequestToken on events, never throttles (so backoff and jitter go
unexercised), and finishes every operation before the next poll (so a wait never times out). EventStream is
driven through botocore's Stubber on a real CloudFormation client so the paginator and response shapes are
AWS's; wait() gets a scripted client and a fake clock whose time moves only when wait() sleeps.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Iterator
from itertools import islice
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from cfngen.deploy import events
from cfngen.deploy.events import EventStream, Io
from cfngen.errors import OperationFailed

STACK = "orders"
STACK_ID = f"arn:aws:cloudformation:us-east-1:123456789012:stack/{STACK}/11111111-2222-3333-4444-555555555555"
T0 = dt.datetime(2024, 5, 1, 12, 0, 0, tzinfo=dt.UTC)


class FakeClock:
    """Time moves only when sleep() is called; every sleep is recorded."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make_io(clock: FakeClock, lines: list[str]) -> Io:
    return Io(echo=lines.append, clock=clock.clock, sleep=clock.sleep, rng=random.Random(0))


def event(
    n: int,
    logical_id: str,
    status: str,
    *,
    token: str | None = None,
    reason: str | None = None,
    resource_type: str = "AWS::Lambda::Function",
    at: dt.datetime | None = None,
) -> dict[str, Any]:
    """A DescribeStackEvents entry as AWS returns it; n orders events in time (seconds after T0)."""
    found: dict[str, Any] = {
        "StackId": STACK_ID,
        "EventId": f"{logical_id}-{status}-{n}",
        "StackName": STACK,
        "LogicalResourceId": logical_id,
        "ResourceType": resource_type,
        "Timestamp": at or T0 + dt.timedelta(seconds=n),
        "ResourceStatus": status,
    }
    if token is not None:
        found["ClientRequestToken"] = token
    if reason is not None:
        found["ResourceStatusReason"] = reason
    return found


@pytest.fixture
def stubbed() -> Iterator[tuple[Any, Stubber]]:
    cfn = boto3.client("cloudformation", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(cfn) as stubber:
        yield cfn, stubber
        stubber.assert_no_pending_responses()


# --- delays -------------------------------------------------------------------------------------------


def test_delays_start_fast_grow_and_cap_with_jitter() -> None:
    """AWS throttles DescribeStacks/DescribeStackEvents (moto does not): polls back off to 5 s, jittered."""
    values = list(islice(events.delays(random.Random(0)), 40))
    assert 0.04 <= values[0] <= 0.06
    base = [min(5.0, 0.05 * 1.5**n) for n in range(40)]
    ratios = [v / b for v, b in zip(values, base, strict=True)]
    assert all(0.8 <= r <= 1.2 for r in ratios), ratios
    assert len({round(r, 6) for r in ratios}) > 30  # really jittered, not a constant factor
    assert max(values) <= 6.0
    assert all(4.0 <= v <= 6.0 for v in values[15:])  # capped at 5 s (+-20%)
    assert values[12] > 10 * values[0]  # grew on the way


def test_delays_are_reproducible_with_a_seed_and_differ_between_seeds() -> None:
    a = list(islice(events.delays(random.Random(7)), 10))
    b = list(islice(events.delays(random.Random(7)), 10))
    c = list(islice(events.delays(random.Random(8)), 10))
    assert a == b
    assert a != c


# --- EventStream --------------------------------------------------------------------------------------


def test_stream_keeps_only_events_with_our_token(stubbed: tuple[Any, Stubber]) -> None:
    """AWS tags each event with the operation's ClientRequestToken (moto does not): the previous operation's
    events (another token) are excluded and end the paging, even when our clock runs ahead of AWS's
    (our events are timestamped before `since` here, and must still be shown)."""
    cfn, stubber = stubbed
    page = [  # newest first, as AWS returns them; a stack runs one operation at a time
        event(4, STACK, "UPDATE_COMPLETE", token="ours", resource_type="AWS::CloudFormation::Stack"),
        event(2, "Fn", "UPDATE_COMPLETE", token="ours"),
        event(1, "Fn", "UPDATE_IN_PROGRESS", token="ours"),
        event(0, "Other", "UPDATE_COMPLETE", token="someone-else"),
    ]
    stubber.add_response("describe_stack_events", {"StackEvents": page}, {"StackName": STACK})
    skewed = T0 + dt.timedelta(minutes=5)  # the local clock is 5 minutes ahead
    stream = EventStream(cfn, STACK, "ours", skewed)
    fresh = stream.poll()
    assert [e["EventId"] for e in fresh] == [
        "Fn-UPDATE_IN_PROGRESS-1",
        "Fn-UPDATE_COMPLETE-2",
        f"{STACK}-UPDATE_COMPLETE-4",
    ]
    assert stream.events == fresh


def test_stream_falls_back_to_timestamps_without_tokens(stubbed: tuple[Any, Stubber]) -> None:
    """moto sets no ClientRequestToken on events: then everything since the run started is ours, and paging
    stops at the first older event (the second page is never fetched: Stubber would fail on the request)."""
    cfn, stubber = stubbed
    page = [
        event(12, "Fn", "CREATE_COMPLETE"),
        event(11, "Fn", "CREATE_IN_PROGRESS"),
        event(-5, "Old", "CREATE_COMPLETE"),  # before the run started
        event(-6, "Older", "CREATE_COMPLETE"),
    ]
    stubber.add_response("describe_stack_events", {"StackEvents": page, "NextToken": "more"}, {"StackName": STACK})
    stream = EventStream(cfn, STACK, "ours", T0)
    assert [e["LogicalResourceId"] for e in stream.poll()] == ["Fn", "Fn"]


def test_stream_reads_further_pages_until_it_reaches_old_events(stubbed: tuple[Any, Stubber]) -> None:
    cfn, stubber = stubbed
    stubber.add_response(
        "describe_stack_events",
        {"StackEvents": [event(3, "B", "CREATE_COMPLETE", token="t")], "NextToken": "p2"},
        {"StackName": STACK},
    )
    stubber.add_response(
        "describe_stack_events",
        {"StackEvents": [event(2, "A", "CREATE_COMPLETE", token="t"), event(-1, "Z", "CREATE_COMPLETE")]},
        {"StackName": STACK, "NextToken": "p2"},
    )
    stream = EventStream(cfn, STACK, "t", T0)
    assert [e["LogicalResourceId"] for e in stream.poll()] == ["A", "B"]


def test_stream_returns_each_event_once(stubbed: tuple[Any, Stubber]) -> None:
    cfn, stubber = stubbed
    first = [event(2, "Fn", "CREATE_IN_PROGRESS", token="t"), event(1, "Role", "CREATE_COMPLETE", token="t")]
    second = [event(3, "Fn", "CREATE_COMPLETE", token="t"), *first]
    stubber.add_response("describe_stack_events", {"StackEvents": first}, {"StackName": STACK})
    stubber.add_response("describe_stack_events", {"StackEvents": second}, {"StackName": STACK})
    stubber.add_response("describe_stack_events", {"StackEvents": second}, {"StackName": STACK})
    stream = EventStream(cfn, STACK, "t", T0)
    assert [e["LogicalResourceId"] for e in stream.poll()] == ["Role", "Fn"]
    assert [e["ResourceStatus"] for e in stream.poll()] == ["CREATE_COMPLETE"]
    assert stream.poll() == []
    assert len(stream.events) == 3


# --- first_failure ------------------------------------------------------------------------------------


def test_first_failure_is_the_cause_not_the_cancelled_consequences() -> None:
    """AWS cancels the other in-flight resources after the first failure ("Resource creation cancelled");
    moto does not roll back at all, so has no such events."""
    chronological = [
        event(1, STACK, "CREATE_IN_PROGRESS", resource_type="AWS::CloudFormation::Stack"),
        event(2, "Fn", "CREATE_IN_PROGRESS"),
        event(3, "Role", "CREATE_IN_PROGRESS", resource_type="AWS::IAM::Role"),
        event(4, "Fn", "CREATE_FAILED", reason="Resource creation cancelled"),
        event(5, "Role", "CREATE_FAILED", resource_type="AWS::IAM::Role", reason="API: iam:CreateRole denied"),
        event(6, "Log", "CREATE_FAILED", resource_type="AWS::Logs::LogGroup", reason="Already exists"),
        event(7, STACK, "ROLLBACK_IN_PROGRESS", resource_type="AWS::CloudFormation::Stack", reason="failed: Role"),
        event(8, STACK, "ROLLBACK_COMPLETE", resource_type="AWS::CloudFormation::Stack"),
    ]
    failure = events.first_failure(chronological)
    assert failure is not None
    assert failure["LogicalResourceId"] == "Role"
    assert failure["ResourceStatusReason"] == "API: iam:CreateRole denied"


def test_first_failure_update_cancelled() -> None:
    chronological = [
        event(1, "Fn", "UPDATE_FAILED", reason="Resource update cancelled"),
        event(2, "Table", "UPDATE_FAILED", resource_type="AWS::DynamoDB::Table", reason="Limit exceeded"),
    ]
    failure = events.first_failure(chronological)
    assert failure is not None and failure["LogicalResourceId"] == "Table"


def test_first_failure_when_all_were_cancelled_is_the_first() -> None:
    chronological = [
        event(1, "A", "CREATE_FAILED", reason="Resource creation cancelled"),
        event(2, "B", "CREATE_FAILED", reason="Resource creation cancelled"),
    ]
    failure = events.first_failure(chronological)
    assert failure is not None and failure["LogicalResourceId"] == "A"


def test_first_failure_none_without_failures() -> None:
    assert events.first_failure([event(1, "Fn", "CREATE_COMPLETE"), event(2, "Fn", "DELETE_COMPLETE")]) is None
    assert events.first_failure([]) is None


# --- describe / status helpers ------------------------------------------------------------------------


def test_describe_names_time_status_resource_type_and_reason() -> None:
    line = events.describe(
        event(5, "Role", "CREATE_FAILED", resource_type="AWS::IAM::Role", reason="denied"), lambda t, _c: t
    )
    assert line.startswith("  12:00:05 CREATE_FAILED")
    assert line.endswith("Role (AWS::IAM::Role): denied")


def test_in_progress_excludes_review() -> None:
    assert events.in_progress("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
    assert not events.in_progress("REVIEW_IN_PROGRESS")
    assert not events.in_progress("UPDATE_COMPLETE")


# --- wait ---------------------------------------------------------------------------------------------


class ScriptedCfn:
    """DescribeStacks answers from a script (the last answer repeats); events come from a list per poll."""

    def __init__(self, statuses: list[str], event_pages: list[list[dict[str, Any]]] | None = None) -> None:
        self.statuses = statuses
        self.event_pages = event_pages or []
        self.describes = 0
        self.polls = 0

    def describe_stacks(self, StackName: str) -> dict[str, Any]:
        assert StackName == STACK
        status = self.statuses[min(self.describes, len(self.statuses) - 1)]
        self.describes += 1
        return {"Stacks": [{"StackName": STACK, "StackStatus": status, "CreationTime": T0}]}

    def get_paginator(self, name: str) -> Any:
        assert name == "describe_stack_events"
        return self

    def paginate(self, StackName: str) -> list[dict[str, Any]]:
        page = self.event_pages[self.polls] if self.polls < len(self.event_pages) else []
        self.polls += 1
        return [{"StackEvents": list(reversed(page))}]  # AWS: newest first


def test_wait_polls_until_settled_and_prints_events() -> None:
    clock, lines = FakeClock(), list[str]()
    cfn = ScriptedCfn(
        ["UPDATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "UPDATE_COMPLETE"],
        [[event(1, "Fn", "UPDATE_IN_PROGRESS")], [], [], [event(2, "Fn", "UPDATE_COMPLETE")]],
    )
    status = events.wait(cfn, EventStream(cfn, STACK, None, T0), make_io(clock, lines), timeout=None)
    assert status == "UPDATE_COMPLETE"
    assert cfn.describes == 3
    assert len(clock.sleeps) == 2
    expected = list(islice(events.delays(random.Random(0)), 2))
    assert clock.sleeps == pytest.approx(expected)
    assert len(lines) == 2 and "UPDATE_IN_PROGRESS" in lines[0]
    assert "UPDATE_COMPLETE" in lines[1]  # printed by the last poll, after the status flipped


def test_wait_returns_at_once_when_not_in_progress() -> None:
    clock = FakeClock()
    cfn = ScriptedCfn(["UPDATE_ROLLBACK_COMPLETE"])
    assert events.wait(cfn, EventStream(cfn, STACK, None, T0), make_io(clock, []), timeout=1) == (
        "UPDATE_ROLLBACK_COMPLETE"
    )
    assert clock.sleeps == []


def test_wait_times_out_with_status_hint() -> None:
    """AWS operations can take an hour; moto finishes before the first poll, so a timeout needs a fake clock."""
    clock = FakeClock()
    cfn = ScriptedCfn(["UPDATE_IN_PROGRESS"])
    with pytest.raises(OperationFailed) as raised:
        events.wait(cfn, EventStream(cfn, STACK, None, T0), make_io(clock, []), timeout=30.0)
    assert raised.value.message == f"timed out: stack {STACK} is still UPDATE_IN_PROGRESS"
    assert raised.value.hint is not None and f"`cfngen status {STACK}`" in raised.value.hint
    assert 20.0 < clock.now <= 30.0  # slept close to the deadline, never past it
    assert len(clock.sleeps) > 5
    assert max(clock.sleeps) <= 6.0


def test_wait_lets_errors_of_describe_through() -> None:
    """Only throttling is skipped (see the engine's stubbed tests); any other error while polling propagates."""

    class Throttled(ScriptedCfn):
        def describe_stacks(self, StackName: str) -> dict[str, Any]:
            raise RuntimeError("Rate exceeded")

    cfn = Throttled(["UPDATE_IN_PROGRESS"])
    with pytest.raises(RuntimeError, match="Rate exceeded"):
        events.wait(cfn, EventStream(cfn, STACK, None, T0), make_io(FakeClock(), []), timeout=None)


def test_default_tokens_are_fresh_and_valid_change_set_names() -> None:
    """The engine names a change set after its ClientRequestToken: both must match [a-zA-Z][-a-zA-Z0-9]*
    (at most 128 characters), and each run's must differ so its events can be told from any other's."""
    io = Io()
    first, second = io.token(), io.token()
    assert first != second
    for token in (first, second):
        assert re.fullmatch(r"cfngen-[-a-zA-Z0-9]+", token) and len(token) <= 128


def test_default_now_is_an_aware_utc_time() -> None:
    """Compared with CloudFormation's event timestamps, which are timezone-aware UTC."""
    assert Io().now().utcoffset() == dt.timedelta(0)
