"""Existing buckets through EventBridge (via="eventbridge"): the definition's checks, the pattern, and what deploy
and status make of the bucket's EventBridge notifications. moto never returns an EventBridgeConfiguration
(probe: test_bucket_eventbridge_configuration_is_stored_but_not_returned), so a bucket that is on, and the failures
of the read and the merge, are scripted with botocore's Stubber here; the rest runs on moto in
tests/integration/test_rules_operate.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber
from stubs import FakeAws, make_client

from cfngen import S3Bucket, SpecError, Stack
from cfngen.definitions.buckets import eventbridge_pattern
from cfngen.deploy import bucketevents
from cfngen.deploy.status import lines
from cfngen.errors import OperationFailed

STACK = "spec-test"
THEIRS = "their-bucket"


@pytest.fixture
def stack(tmp_path: Path) -> Stack:
    (tmp_path / "code").mkdir()
    return Stack(STACK, base_dir=tmp_path)


def fn(stack: Stack) -> Any:
    return stack.function("Fn", code="code", handler="app.handler", runtime="python3.12")


def error(call: Any) -> SpecError:
    with pytest.raises(SpecError) as info:
        call()
    return info.value


# --- the definition ------------------------------------------------------------------------------------------


def test_via_takes_s3_or_eventbridge(stack: Stack) -> None:
    err = error(lambda: fn(stack).add_event_source(S3Bucket.from_name(THEIRS), via="sqs"))
    assert err.field == "via" and "'sqs' is not allowed; allowed: s3, eventbridge" in str(err)


def test_a_created_bucket_is_not_routed_through_eventbridge(stack: Stack) -> None:
    bucket = stack.s3_bucket("Uploads")
    err = error(lambda: fn(stack).add_event_source(bucket, via="eventbridge"))
    assert err.field == "via" and "Uploads is created here" in str(err) and "allowed: via='s3'" in str(err)


def test_another_accounts_bucket_is_refused(stack: Stack) -> None:
    bucket = S3Bucket.from_name(THEIRS, account="210987654321")
    err = error(lambda: fn(stack).add_event_source(bucket, via="eventbridge"))
    assert err.field == "via" and "belongs to account 210987654321" in str(err) and "default bus" in str(err)


def test_events_s3_does_not_send_to_eventbridge_are_refused(stack: Stack) -> None:
    call = lambda: fn(stack).add_event_source(  # noqa: E731
        S3Bucket.from_name(THEIRS), events=["s3:Replication:*"], via="eventbridge"
    )
    err = error(call)
    assert err.field == "events" and "s3:Replication:* is not sent to EventBridge by S3" in str(err)


def test_routes_may_overlap_where_notifications_may_not(stack: Stack) -> None:
    bucket = S3Bucket.from_name(THEIRS)
    function = fn(stack)
    function.add_event_source(bucket, events=["s3:ObjectCreated:*"], via="eventbridge")
    other = stack.function("Other", code="code", handler="app.handler", runtime="python3.12")
    other.add_event_source(bucket, events=["s3:ObjectCreated:*"], via="eventbridge")
    assert stack.to_json().count('"aws.s3"') == 2


def test_prefix_and_suffix_are_one_wildcard_with_literals_escaped() -> None:
    pattern = eventbridge_pattern("b", ("s3:ObjectCreated:*",), "in/*raw", ".csv")
    assert pattern["detail"]["object"] == {"key": [{"wildcard": "in/\\*raw*.csv"}]}
    assert eventbridge_pattern("b", ("s3:ObjectCreated:*",), None, ".csv")["detail"]["object"] == {
        "key": [{"suffix": ".csv"}]
    }


def test_events_with_their_own_detail_filters_are_alternatives() -> None:
    pattern = eventbridge_pattern(
        "b", ("s3:ObjectCreated:*", "s3:ObjectTagging:*", "s3:ObjectRemoved:Delete"), None, None
    )
    assert pattern == {
        "source": ["aws.s3"],
        "$or": [
            {"detail-type": ["Object Created", "Object Tags Added", "Object Tags Deleted"],
             "detail": {"bucket": {"name": ["b"]}}},
            {"detail-type": ["Object Deleted"],
             "detail": {"bucket": {"name": ["b"]}, "reason": ["DeleteObject"],
                        "deletion-type": ["Permanently Deleted"]}},
        ],
    }  # fmt: skip


# --- deploy's check --------------------------------------------------------------------------------------------


class Echo:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def echo(self, text: str) -> None:
        self.lines.append(text)


def routed(stack: Stack) -> Stack:
    fn(stack).add_event_source(S3Bucket.from_name("theirs-${AWS::AccountId}"), via="eventbridge")
    return stack


def stubbed(*services: str) -> tuple[FakeAws, dict[str, Stubber]]:
    clients = {s: make_client(s) for s in services}
    stubbers = {s: Stubber(c) for s, c in clients.items()}
    for stubber in stubbers.values():
        stubber.activate()
    return FakeAws(clients), stubbers


BUCKET = "theirs-123456789012"
LAMBDA_CONFIG = {"Id": "x", "LambdaFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:f",
                 "Events": ["s3:ObjectRemoved:*"]}  # fmt: skip


def test_a_bucket_already_on_is_reported_live_and_left_alone(stack: Stack) -> None:
    aws, stubs = stubbed("s3", "sts")
    stubs["sts"].add_response("get_caller_identity", {"Account": "123456789012"})
    stubs["s3"].add_response(
        "get_bucket_notification_configuration", {"EventBridgeConfiguration": {}}, {"Bucket": BUCKET}
    )
    io = Echo()
    bucketevents.check(aws, [routed(stack)], io, enable=True, dry_run=False)  # type: ignore[arg-type]
    assert io.lines == [f"bucket {BUCKET} sends its events to EventBridge: {STACK}.FnTheirsAWSAccountId live"]
    for stubber in stubs.values():
        stubber.assert_no_pending_responses()


def test_turning_on_merges_with_what_the_bucket_has(stack: Stack) -> None:
    aws, stubs = stubbed("s3", "sts")
    stubs["sts"].add_response("get_caller_identity", {"Account": "123456789012"})
    stubs["s3"].add_response(
        "get_bucket_notification_configuration", {"LambdaFunctionConfigurations": [LAMBDA_CONFIG]}, {"Bucket": BUCKET}
    )
    expected = {"LambdaFunctionConfigurations": [LAMBDA_CONFIG], "EventBridgeConfiguration": {}}
    stubs["s3"].add_response(
        "put_bucket_notification_configuration",
        {},
        {"Bucket": BUCKET, "NotificationConfiguration": expected, "SkipDestinationValidation": True},
    )
    io = Echo()
    bucketevents.check(aws, [routed(stack)], io, enable=True, dry_run=False)  # type: ignore[arg-type]
    assert "(its 1 other notification configuration kept)" in io.lines[0]
    stubs["s3"].assert_no_pending_responses()


def test_a_bucket_that_cannot_be_read_is_not_written(stack: Stack) -> None:
    aws, stubs = stubbed("s3", "sts")
    stubs["sts"].add_response("get_caller_identity", {"Account": "123456789012"})
    stubs["s3"].add_client_error("get_bucket_notification_configuration", "AccessDenied", "Access Denied")
    with pytest.raises(
        OperationFailed, match=f"bucket {BUCKET} .*cannot read .*Access Denied; EventBridge not turned on"
    ):
        bucketevents.check(aws, [routed(stack)], Echo(), enable=True, dry_run=False)  # type: ignore[arg-type]


def test_a_refused_merge_fails_the_deploy(stack: Stack) -> None:
    aws, stubs = stubbed("s3", "sts")
    stubs["sts"].add_response("get_caller_identity", {"Account": "123456789012"})
    stubs["s3"].add_response("get_bucket_notification_configuration", {}, {"Bucket": BUCKET})
    stubs["s3"].add_client_error("put_bucket_notification_configuration", "AccessDenied", "Access Denied")
    with pytest.raises(OperationFailed, match="turning on EventBridge notifications failed: Access Denied"):
        bucketevents.check(aws, [routed(stack)], Echo(), enable=True, dry_run=False)  # type: ignore[arg-type]


def test_a_dry_run_only_says_what_it_would_do(stack: Stack) -> None:
    aws, stubs = stubbed("s3", "sts")
    stubs["sts"].add_response("get_caller_identity", {"Account": "123456789012"})
    stubs["s3"].add_response("get_bucket_notification_configuration", {}, {"Bucket": BUCKET})
    io = Echo()
    bucketevents.check(aws, [routed(stack)], io, enable=True, dry_run=True)  # type: ignore[arg-type]
    assert io.lines == [f"bucket {BUCKET} ({STACK}.FnTheirsAWSAccountId): would turn on its EventBridge "
                        "notifications (dry run)"]  # fmt: skip


# --- status -----------------------------------------------------------------------------------------------------


def report(state: str, on: bool) -> dict[str, Any]:
    bucket = {"bucket": BUCKET, "eventbridge": on, "command": None if on else "aws s3api ..."}
    rule = {"rule": "FnTheirs", "name": "r", "bus": "default", "state": state, "schedule": None,
            "pattern": json.dumps({"source": ["aws.s3"]}), "targets": ["fn"], "buckets": [bucket]}  # fmt: skip
    return {"stack": STACK, "status": "CREATE_COMPLETE", "last_update": None, "functions": [], "mappings": [],
            "rules": [rule], "permissions": []}  # fmt: skip


def test_status_says_a_route_is_live_only_when_its_rule_is_enabled_and_the_bucket_sends() -> None:
    assert f"    route from bucket {BUCKET}: live" in lines(report("ENABLED", True))
    assert f"    route from bucket {BUCKET}: not live: the rule is disabled (cfngen enable)" in lines(
        report("DISABLED", True)
    )
    assert any("not live: the bucket does not send" in line for line in lines(report("ENABLED", False)))
