"""SQS queues, EventBridge rules and schedules: each bad value is a SpecError naming stack, resource, field, the value
and what is allowed; what AWS would refuse at deploy time is refused at definition time."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cfngen import EventBus, SpecError, SqsQueue, Stack

STACK = "spec-test"
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.fixture
def stack(tmp_path: Path) -> Stack:
    (tmp_path / "code").mkdir()
    return Stack(STACK, base_dir=tmp_path)


def fn(stack: Stack, name: str = "Fn", **options: Any) -> Any:
    return stack.function(name, code="code", handler="app.handler", runtime="python3.12", **options)


def error(call: Any) -> SpecError:
    with pytest.raises(SpecError) as info:
        call()
    return info.value


def located(err: SpecError, resource: str, field: str, *needles: str) -> None:
    text = str(err)
    assert f"{STACK}.{resource}.{field}:" in text, text
    assert (err.stack, err.resource, err.field) == (STACK, resource, field)
    for needle in needles:
        assert needle in text, f"{needle!r} not in: {text}"


# ------------------------------------------------------------------------------------------------- queues

QUEUE_CASES = [
    ({"visibility_timeout": 43201}, "visibility_timeout", "43201 is out of range", "0 to 43200"),
    ({"retention_seconds": 59}, "retention_seconds", "59 is out of range", "60 to 1209600"),
    ({"max_receive_count": 0}, "max_receive_count", "0 is out of range", "1 to 1000"),
    ({"fifo": "yes"}, "fifo", "'yes'", "True or False"),
    ({"fifo": True, "queue_name": "jobs"}, "queue_name", "'jobs'", "then '.fifo'"),
    ({"queue_name": "jobs.fifo"}, "queue_name", "ends in .fifo but fifo=False", "fifo=True"),
    ({"queue_name": "bad name"}, "queue_name", "'bad name'", "letters, digits"),
    ({"queue_name": "q" * 78}, "queue_name", "dead-letter queue's name", "at most 76"),
    ({"kms_key": "alias/mine"}, "kms_key", "'alias/mine' is not a valid ARN", "key/KEY-ID"),
]


@pytest.mark.parametrize(("options", "field", "shown", "allowed"), QUEUE_CASES)
def test_queue_field(stack: Stack, options: dict[str, Any], field: str, shown: str, allowed: str) -> None:
    located(error(lambda: stack.sqs_queue("Work", **options)), "Work", field, shown, "allowed:", allowed)


def test_visibility_timeout_defaults_to_six_times_the_slowest_consumer(stack: Stack) -> None:
    queue = stack.sqs_queue("Work")
    assert queue.effective_visibility_timeout() == 30  # no consumer: SQS's default
    fn(stack, "Fast", timeout=10).add_event_source(queue)
    fn(stack, "Slow", timeout=100).add_event_source(queue)
    assert queue.effective_visibility_timeout() == 600
    assert json.loads(stack.to_json())["Resources"]["WorkQueue"]["Properties"]["VisibilityTimeout"] == 600


def test_an_explicit_visibility_timeout_below_a_consumer_s_timeout_is_refused(stack: Stack) -> None:
    queue = stack.sqs_queue("Work", visibility_timeout=30)
    fn(stack, "Fast", timeout=30).add_event_source(queue)  # equal is allowed
    err = error(lambda: fn(stack, "Slow", timeout=31).add_event_source(queue))
    located(err, "Slow<-Work", "visibility_timeout", "(30 s) is below Slow's timeout (31 s)", "at least 31 s")
    assert err.hint is not None and "6x" in err.hint


MAPPING_CASES = [
    ({"batch_size": 10001}, "batch_size", "10001 is out of range", "1 to 10000"),
    ({"batch_size": 11}, "batching_window_seconds", "batch_size=11 (over 10)", "1 to 300 seconds"),
    ({"batching_window_seconds": 301}, "batching_window_seconds", "301 is out of range", "0 to 300"),
    ({"max_concurrency": 1}, "max_concurrency", "1 is out of range", "2 to 1000"),
    ({"max_concurrency": 1001}, "max_concurrency", "1001 is out of range", "2 to 1000"),
    ({"report_batch_item_failures": 1}, "report_batch_item_failures", "1", "True or False"),
    ({"enabled": "false"}, "enabled", "'false'", "True or False"),
    ({"filter_patterns": [{}]}, "filter_patterns", "{}", "non-empty dict"),
    ({"starting_position": "LATEST"}, "starting_position", "is not an option of an SQS queue source", "batch_size"),
]


@pytest.mark.parametrize(("options", "field", "shown", "allowed"), MAPPING_CASES)
def test_queue_mapping_field(stack: Stack, options: dict[str, Any], field: str, shown: str, allowed: str) -> None:
    queue = stack.sqs_queue("Work")
    located(error(lambda: fn(stack).add_event_source(queue, **options)), "Fn<-Work", field, shown, allowed)


def test_fifo_batches_are_at_most_ten_and_take_no_window(stack: Stack) -> None:
    queue = stack.sqs_queue("Orders", fifo=True, queue_name="orders.fifo")
    function = fn(stack)
    located(error(lambda: function.add_event_source(queue, batch_size=11)), "Fn<-Orders", "batch_size", "1 to 10")
    err = error(lambda: function.add_event_source(queue, batching_window_seconds=1))
    located(err, "Fn<-Orders", "batching_window_seconds", "not supported for FIFO", "leave it unset")
    function.add_event_source(queue, batch_size=10)


def test_a_standard_queue_takes_large_batches_with_a_window(stack: Stack) -> None:
    fn(stack).add_event_source(stack.sqs_queue("Work"), batch_size=10000, batching_window_seconds=1)


def test_existing_queues(stack: Stack) -> None:
    fifo = SqsQueue.from_arn("arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:jobs.fifo", kms_key=KEY)
    assert (fifo.ident, fifo.fifo, fifo.max_receive_count) == ("Jobs", True, None)
    with pytest.raises(SpecError, match="not a valid sqs ARN"):
        SqsQueue.from_arn("arn:aws:sqs:us-east-1:123:jobs")
    with pytest.raises(SpecError, match="not a valid kms-key ARN"):
        SqsQueue.from_arn("arn:aws:sqs:us-east-1:123456789012:jobs", kms_key="alias/x")
    located(error(lambda: fn(stack).add_event_source(fifo, batch_size=11)), "Fn<-Jobs", "batch_size", "1 to 10")


def test_on_failure_takes_a_queue_of_this_stack_or_imports_another_stacks(stack: Stack, tmp_path: Path) -> None:
    fn(stack, "Local", on_failure=stack.sqs_queue("Failed"))
    other = Stack("other", base_dir=tmp_path).sqs_queue("Theirs")
    fn(stack, on_failure=other)
    stack.template()
    assert list(stack.imports) == ["OtherTheirsQueueArn"]  # its ARN, filled at deploy from stack other


# -------------------------------------------------------------------------------------------- event rules

PATTERN_CASES = [
    ({}, "{}", "a non-empty dict"),
    ("source", "'source'", "a non-empty dict"),
    ({"source": "shop"}, "source is 'shop'", "{'source': ['shop']}"),
    ({"source": []}, "source is []", "a non-empty list"),
    ({"detail": {}}, "detail is an empty dict", "a dict of fields"),
    ({"detail": {"n": [{"numeric": [">"]}]}}, "detail.n: 'numeric' takes", "[op, number]"),
    ({"a": [{"exists": "yes"}]}, "'exists' takes true or false", ""),
    ({"a": [{"begins-with": "x"}]}, "the matcher 'begins-with'", "prefix"),
    ({"a": [{"prefix": "x", "suffix": "y"}]}, "holds", "one matcher"),
    ({"$or": [{"a": ["x"]}]}, "$or is", "at least two"),
    ({"a": [float("nan")]}, "holds nan", "finite numbers"),
    ({"a": [object()]}, "holds <object", "strings, numbers"),
]


@pytest.mark.parametrize(("pattern", "shown", "allowed"), PATTERN_CASES)
def test_event_pattern(stack: Stack, pattern: Any, shown: str, allowed: str) -> None:
    located(error(lambda: stack.event_rule("Placed", pattern=pattern)), "Placed", "pattern", shown, allowed)


def test_accepted_patterns_render_as_given(stack: Stack) -> None:
    pattern = {
        "source": ["shop.orders"],
        "detail": {"total": [{"numeric": [">", 0, "<=", 100]}], "note": [{"exists": False}], "id": [None, 3]},
        "$or": [{"region": [{"prefix": "eu-"}]}, {"account": [{"anything-but": ["1"]}]}],
    }
    fn(stack).add_event_source(stack.event_rule("Placed", pattern=pattern))
    assert json.loads(stack.to_json())["Resources"]["PlacedRule"]["Properties"]["EventPattern"] == pattern


SCHEDULE_CASES = [
    ("rate(5 minute)", "wants the plural for 5", "'rate(5 minutes)'"),
    ("rate(1 hours)", "wants the singular for 1", "'rate(1 hour)'"),
    ("rate(0 minutes)", "whole number above 0", "rate(1 minute)"),
    ("rate(10 secs)", "'secs' is not a unit", "minute(s), hour(s), day(s)"),
    ("cron(0 3 * * *)", "has 5 fields, like Unix cron", "add the year"),
    ("cron(0 0 3 * * ? *)", "has 7 fields, like Quartz cron with seconds", "no seconds field"),
    ("cron(0 3 *)", "has 3 fields", "cron(minutes hours day-of-month month day-of-week year)"),
    ("cron(0 3 * * MON *)", "exactly one of day-of-month (*) and day-of-week (MON) must be '?'", "MON-FRI"),
    ("cron(0 3 ? * ? *)", "exactly one of day-of-month", "cron(0 3 * * ? *)"),
    ("cron(60 3 * * ? *)", "minutes '60'", "0-59"),
    ("cron(0 24 * * ? *)", "hours '24'", "0-23"),
    ("cron(0 3 * 13 ? *)", "month '13'", "JAN-DEC"),
    ("cron(0 3 ? * 8 *)", "day-of-week '8'", "SUN-SAT"),
    ("cron(0 3 * * ? 1969)", "year '1969'", "1970-2199"),
    ("every 5 minutes", "is not a schedule expression", "rate(N unit)"),
    (300, "300 is not allowed", "rate(5 minutes)"),
]


@pytest.mark.parametrize(("expression", "shown", "allowed"), SCHEDULE_CASES)
def test_schedule_expression(stack: Stack, expression: Any, shown: str, allowed: str) -> None:
    located(error(lambda: stack.schedule("Nightly", expression)), "Nightly", "expression", shown, allowed)


@pytest.mark.parametrize(
    "expression",
    ["rate(1 minute)", "rate(5 minutes)", "rate(1 day)", "rate(12 hours)", "cron(0 3 * * ? *)",
     "cron(0/15 8-17 ? * MON-FRI *)", "cron(0 9 L * ? *)", "cron(0 9 ? * 6#3 *)", "cron(30 2 1,15 JAN-MAR ? 2030)"],
)  # fmt: skip
def test_schedules_eventbridge_accepts(stack: Stack, expression: str) -> None:
    fn(stack).add_event_source(stack.schedule("Nightly", expression))
    assert json.loads(stack.to_json())["Resources"]["NightlyRule"]["Properties"]["ScheduleExpression"] == expression


def test_buses(stack: Stack, tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="not 'default'"):
        EventBus.from_name("default")
    with pytest.raises(SpecError, match="is not allowed"):
        EventBus.from_name("bad name")
    located(error(lambda: stack.event_bus("Shop", bus_name="x" * 257)), "Shop", "bus_name", "is not allowed")
    located(error(lambda: stack.event_rule("R", pattern={"a": ["b"]}, bus="shop")), "R", "bus", "EventBus.from_name")
    theirs = Stack("other", base_dir=tmp_path).event_bus("Theirs")
    located(error(lambda: stack.event_rule("R2", pattern={"a": ["b"]}, bus=theirs)), "R2", "bus", "belongs to stack")


def test_targets_take_a_constant_input_and_at_most_five_per_rule(stack: Stack) -> None:
    rule = stack.schedule("Nightly", "rate(1 day)")
    err = error(lambda: fn(stack, "Big").add_event_source(rule, input={"a": "x" * 8200}))
    located(err, "Big<-Nightly", "input", "characters as JSON", "at most 8,192")
    located(error(lambda: fn(stack, "Nan").add_event_source(rule, input=float("nan"))), "Nan<-Nightly", "input",
            "not JSON-serialisable")  # fmt: skip
    err = error(lambda: fn(stack, "Opt").add_event_source(rule, batch_size=1))
    located(err, "Opt<-Nightly", "batch_size", "is not an option of an EventBridge rule source", "input")
    for i in range(5):
        fn(stack, f"T{i}").add_event_source(rule, input={"n": i})
    located(error(lambda: fn(stack, "T5").add_event_source(rule)), "T5<-Nightly", "source", "at most 5")


def test_rule_and_queue_names_claim_their_logical_ids(stack: Stack) -> None:
    work = stack.sqs_queue("Work")
    located(error(lambda: stack.event_rule("Work", pattern={"a": ["b"]})), "Work", "name", "clashes with")
    # A rule's switch is "<Rule>Enabled", a mapping's "<Fn><Source>Enabled": the second one defined is refused.
    stack.schedule("FnWork", "rate(1 day)")
    err = error(lambda: fn(stack).add_event_source(work))
    located(err, "Fn<-Work", "name", "clashes with the schedule FnWork", "'FnWorkEnabled'")
