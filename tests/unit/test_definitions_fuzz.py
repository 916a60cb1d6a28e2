"""Random (mostly invalid) arguments to every definition call: each succeeds or raises SpecError, nothing else.

And what the spec accepts, build accepts: a stack whose every call succeeded renders to strict JSON
(`nothing downstream sees an invalid spec`, cfngen.definitions's docstring).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cfngen import DynamoDBTable, EventBus, KinesisStream, S3Bucket, SnsTopic, SpecError, SqsQueue, Stack, awsdata
from cfngen.definitions import (
    KEY_TYPES,
    LOG_RETENTION_DAYS,
    RESOURCE_NAME,
    S3_EVENTS,
    STACK_NAME,
    STARTING_POSITIONS,
    STREAM_VIEWS,
)

T = TypeVar("T")
# One bug per test is reported (shrinking several costs tens of seconds); fix it and the next shows up.
FUZZ = settings(max_examples=200, deadline=None, report_multiple_bugs=False)

# ------------------------------------------------------------------------------------------ strategies

KEYS = st.one_of(st.text(max_size=8), st.integers(-3, 3), st.none(), st.booleans())
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=6,
)
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**65), max_value=2**65),
    st.floats(),
    st.text(max_size=20),
    st.binary(max_size=4),
    st.lists(st.one_of(st.integers(), st.text(max_size=4)), max_size=3),
    st.dictionaries(KEYS, st.one_of(st.integers(), st.text(max_size=4), st.none()), max_size=3),
    st.tuples(st.text(max_size=3)),
    st.builds(object),
    st.builds(Path, st.text(max_size=6)),
)


def maybe(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(valid, JUNK)


def draw_args(data: st.DataObject, plausible: dict[str, st.SearchStrategy[Any]], *required: str) -> dict[str, Any]:
    """Plausible values for every argument but (half the time) one, which gets junk; optional ones may be left out.

    Plausible is not valid: it includes edge values (wildcards, NaN, bad placeholders) the spec must judge.
    Breaking one argument at a time gets calls past the first checks to the later ones.
    """
    broken = data.draw(st.one_of(st.none(), st.sampled_from(list(plausible))), label="broken")
    out = {}
    for key, strategy in plausible.items():
        if key == broken:
            out[key] = data.draw(JUNK, label=key)
        elif key in required or data.draw(st.booleans(), label=f"pass {key}"):
            out[key] = data.draw(strategy, label=key)
    return out


def placeholders(service: str, resource: str) -> list[str]:
    return [
        f"arn:aws:{service}:eu-west-1:123456789012:{resource}",
        f"arn:${{AWS::Partition}}:{service}:${{AWS::Region}}:${{AWS::AccountId}}:{resource}",
        f"arn:aws:{service}:${{AWS::Region}}:${{AWS::StackName}}:{resource}",
    ]


RESOURCE_NAMES = st.one_of(st.from_regex(RESOURCE_NAME, fullmatch=True), st.sampled_from(["Fn", "Src", "Other"]))
SHORT_TEXT = st.text(min_size=1, max_size=12)
DESTINATIONS = st.sampled_from(placeholders("sqs", "dlq") + placeholders("sns", "dlq") + ["arn:aws:s3:::b"])
LAYERS = st.sampled_from([*placeholders("lambda", "layer:tools:1"), "arn:aws:lambda:us-east-1:1:layer:x:1"])
ACTIONS = st.sampled_from(["s3:GetObject", "s3:*", "*", "dynamodb:Get*", "sqs:SendMessage", "bad"])
RESOURCES = st.sampled_from(["arn:aws:s3:::b/*", "*", "arn:${AWS::Partition}:s3:::b", "${Env}", "x"])
CONDITIONS = st.one_of(
    st.dictionaries(
        st.sampled_from(["StringEquals", "Bool", "ArnLike", "IpAddress", "Nope"]),
        st.one_of(st.dictionaries(st.sampled_from(["aws:SourceIp", "s3:prefix"]), SHORT_TEXT, max_size=2), JUNK),
        max_size=2,
    ),
    JUNK,
)
STATEMENTS = st.one_of(
    st.fixed_dictionaries(
        {
            "Action": st.one_of(ACTIONS, st.lists(ACTIONS, min_size=1, max_size=3)),
            "Resource": st.one_of(RESOURCES, st.lists(RESOURCES, min_size=1, max_size=3)),
        },
        optional={
            "Effect": maybe(st.sampled_from(["Allow", "Deny"])),
            "Condition": CONDITIONS,
            "Sid": maybe(st.from_regex(r"[A-Za-z0-9]{1,8}", fullmatch=True)),
            "Actions": ACTIONS,
        },
    ),
    st.dictionaries(KEYS, JUNK, max_size=3),
)
ENV_KEYS = st.one_of(st.from_regex(r"[A-Z][A-Z0-9_]{0,8}", fullmatch=True), st.sampled_from(["AWS_REGION", "TZ"]), KEYS)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz")
    (root / "code").mkdir()
    (root / "code" / "app.py").write_text("def handler(event, context):\n    return event\n")
    (root / "notzip.txt").write_text("")
    (root / "bundle.zip").write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    return root


def attempt(call: Callable[[], T]) -> T | None:
    """The call's result, or None when it raised SpecError; any other exception fails the test."""
    try:
        return call()
    except SpecError as err:
        assert str(err), "a SpecError always carries a message"
        return None


def _no_constants(name: str) -> None:
    raise ValueError(f"template contains {name}, which is not JSON")


def assert_renders(stack: Stack) -> None:
    """A stack every call accepted must build, and its text must be strict JSON."""
    text = stack.to_json()
    template = json.loads(text, parse_constant=_no_constants)
    assert template["AWSTemplateFormatVersion"] == "2010-09-09"


def new_stack(base: Path) -> Stack:
    return Stack("fuzz-stack", base_dir=base)


def new_function(stack: Stack, name: str = "Fn") -> Any:
    return stack.function(name, code="code", handler="app.handler", runtime="python3.12")


# ------------------------------------------------------------------------------------------------ tests


@FUZZ
@given(data=st.data())
def test_stack(base: Path, data: st.DataObject) -> None:
    args = draw_args(
        data,
        {
            "name": st.from_regex(STACK_NAME, fullmatch=True),
            "description": st.text(max_size=30),
            "base_dir": st.sampled_from([base, str(base)]),
        },
        "name",
    )
    stack = attempt(lambda: Stack(**args))
    if stack is not None:
        attempt(lambda: stack.function("Fn", code="code", handler="app.handler", runtime="python3.12"))
        assert_renders(stack)


FUNCTION = {
    "name": RESOURCE_NAMES,
    "code": st.sampled_from(["code", "bundle.zip", "notzip.txt", "missing", "."]),
    "handler": st.sampled_from(["app.handler", "index.main", "a b"]),
    "runtime": st.sampled_from([*awsdata.current_runtimes(), "python3.9", "python3.1"]),
    "memory": st.integers(0, 20000),
    "timeout": st.integers(0, 1000),
    "architecture": st.sampled_from(["x86_64", "arm64"]),
    "environment": st.dictionaries(ENV_KEYS, maybe(st.text(max_size=10)), max_size=3),
    "description": st.text(max_size=12),
    "reserved_concurrency": st.integers(-1, 100001),
    "log_retention_days": st.sampled_from(LOG_RETENTION_DAYS),
    "policies": st.lists(STATEMENTS, max_size=3),
    "tracing": st.sampled_from(["Active", "PassThrough"]),
    "dead_letter_arn": DESTINATIONS,
    "layers": st.lists(LAYERS, max_size=6),
}


@FUZZ
@given(data=st.data())
def test_function(base: Path, data: st.DataObject) -> None:
    args = draw_args(data, FUNCTION, "name", "code", "handler", "runtime")
    stack = new_stack(base)
    attempt(lambda: stack.function(**args))
    assert_renders(stack)


SOURCE_ARGS: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "kinesis_stream": {
        "shards": st.integers(0, 10001),
        "on_demand": st.booleans(),
        "retention_hours": st.integers(23, 8761),
        "stream_name": st.from_regex(r"[A-Za-z0-9_.-]{1,20}", fullmatch=True),
    },
    "dynamodb_table": {
        "partition_key": st.text(max_size=8),
        "partition_key_type": st.sampled_from(KEY_TYPES),
        "sort_key": st.text(max_size=8),
        "sort_key_type": st.sampled_from(KEY_TYPES),
        "stream_view": st.sampled_from(STREAM_VIEWS),
        "table_name": st.from_regex(r"[A-Za-z0-9_.-]{2,20}", fullmatch=True),
    },
    "sns_topic": {
        "kms_key": st.sampled_from(["alias/aws/sns", "arn:aws:kms:us-east-1:1:key/x", "1" * 36, "k"]),
        "display_name": st.text(max_size=12),
        "topic_name": st.from_regex(r"[A-Za-z0-9_.-]{1,20}", fullmatch=True),
    },
    "sqs_queue": {
        "visibility_timeout": st.integers(-1, 43201),
        "fifo": st.booleans(),
        "queue_name": st.one_of(st.from_regex(r"[A-Za-z0-9_-]{1,82}(\.fifo)?", fullmatch=True), st.just("a.fifo")),
        "retention_seconds": st.integers(59, 1209601),
        "max_receive_count": st.one_of(st.none(), st.integers(0, 1001)),
        "kms_key": st.sampled_from([*placeholders("kms", "key/1234abcd-12ab-34cd-56ef-1234567890ab"), "alias/x"]),
    },
    "event_rule": {
        "pattern": st.one_of(st.dictionaries(KEYS, JSONISH, max_size=3), st.just({"source": ["shop"]})),
        "bus": st.one_of(st.just(None), st.builds(EventBus.from_name, st.sampled_from(["shop", "a/b.c"]))),
        "description": st.text(max_size=12),
        "enabled": st.booleans(),
    },
    "schedule": {
        "expression": st.one_of(
            st.sampled_from(
                [
                    "rate(1 minute)",
                    "rate(5 minutes)",
                    "rate(1 minutes)",
                    "cron(0 3 * * ? *)",
                    "cron(0 3 * * *)",
                    "cron(0 3 ? * MON-FRI *)",
                    "cron(* * * * * *)",
                ]
            ),
            st.builds(
                "cron({} {} {} {} {} {})".format,
                *[st.sampled_from(["*", "?", "0", "L", "5W", "1-3", "*/5", "JAN", "MON#2", "99", "1,2", "-", "/"])] * 6,
            ),
            st.builds("rate({} {})".format, st.integers(-1, 3), st.sampled_from(["minute", "hours", "day", "x"])),
        ),
        "description": st.text(max_size=12),
        "enabled": st.booleans(),
    },
    "s3_bucket": {
        "versioning": st.booleans(),
        "bucket_name": st.one_of(
            st.from_regex(r"[a-z0-9][a-z0-9.-]{1,70}[a-z0-9]", fullmatch=True),
            st.sampled_from(["data-${AWS::AccountId}-${AWS::Region}", "x-${AWS::Partition}", "${Foo}-b"]),
        ),
    },
}


@pytest.mark.parametrize("method", sorted(SOURCE_ARGS))
@FUZZ
@given(data=st.data())
def test_source(base: Path, method: str, data: st.DataObject) -> None:
    args = draw_args(data, {"name": RESOURCE_NAMES, **SOURCE_ARGS[method]}, "name", "partition_key", "pattern",
                     "expression")  # fmt: skip
    stack = new_stack(base)
    attempt(lambda: getattr(stack, method)(**args))
    assert_renders(stack)


EXISTING: dict[str, Callable[..., Any]] = {
    "kinesis": KinesisStream.from_arn,
    "dynamodb": DynamoDBTable.from_stream_arn,
    "sns": SnsTopic.from_arn,
    "s3": S3Bucket.from_name,
    "sqs": SqsQueue.from_arn,
    "bus": EventBus.from_name,
}


@FUZZ
@given(
    kind=st.sampled_from(sorted(EXISTING)),
    value=maybe(
        st.sampled_from(
            placeholders("kinesis", "stream/clicks")
            + placeholders("dynamodb", "table/audit/stream/2024-01-01T00:00:00.000")
            + placeholders("sns", "alerts")
            + placeholders("sqs", "jobs")
            + placeholders("sqs", "jobs.fifo")
            + ["default", "partner/bus.x"]
            + ["data-${AWS::AccountId}-${AWS::Region}", "data", "Data", "${AWS::Partition}-x", "9lives"]
        )
    ),
    name=st.one_of(st.none(), maybe(RESOURCE_NAMES)),
)
def test_existing_sources(base: Path, kind: str, value: Any, name: Any) -> None:
    source = attempt(lambda: EXISTING[kind](value, name=name))
    if isinstance(source, EventBus):
        stack = new_stack(base)
        attempt(lambda: new_function(stack, "Function").add_event_source(stack.event_rule("R", pattern={"a": ["b"]},
                                                                                         bus=source)))  # fmt: skip
        assert_renders(stack)
    elif source is not None:
        stack = new_stack(base)
        fn = new_function(stack, "Function")
        pull = isinstance(source, (KinesisStream, DynamoDBTable))
        options = {"starting_position": "LATEST"} if pull else {}
        attempt(lambda: fn.add_event_source(source, **options))
        assert_renders(stack)


TIMESTAMPS = st.one_of(st.integers(-1, 2**31), st.sampled_from([float("nan"), float("inf"), 1.7e9, -0.5]), st.floats())
PULL_OPTIONS = {
    "starting_position": st.sampled_from(STARTING_POSITIONS),
    "batch_size": st.integers(1, 10000),
    "batching_window_seconds": st.integers(0, 300),
    "enabled": st.booleans(),
    "bisect_on_error": st.booleans(),
    "max_retries": st.integers(-1, 10000),
    "max_record_age_seconds": st.one_of(st.just(-1), st.integers(60, 604800)),
    "parallelization_factor": st.integers(1, 10),
    "on_failure_arn": DESTINATIONS,
    "filter_patterns": st.lists(st.dictionaries(KEYS, JSONISH, max_size=2), max_size=6),
}
SNS_OPTIONS = {
    "filter_policy": st.dictionaries(KEYS, JSONISH, max_size=3),
    "filter_policy_scope": st.sampled_from(["MessageAttributes", "MessageBody"]),
}
SQS_OPTIONS = {
    "batch_size": st.integers(0, 10001),
    "batching_window_seconds": st.integers(-1, 301),
    "enabled": st.booleans(),
    "report_batch_item_failures": st.booleans(),
    "max_concurrency": st.integers(0, 1001),
    "filter_patterns": st.lists(st.dictionaries(KEYS, JSONISH, max_size=2), max_size=6),
}
RULE_OPTIONS = {"input": JSONISH}
S3_OPTIONS = {
    "events": st.lists(st.sampled_from([*S3_EVENTS, "s3:Nope"]), max_size=3),
    "prefix": st.text(max_size=10),
    "suffix": st.text(max_size=10),
}
ALL_OPTIONS = {**PULL_OPTIONS, "starting_timestamp": TIMESTAMPS, **SNS_OPTIONS, **S3_OPTIONS, **SQS_OPTIONS,
               **RULE_OPTIONS}  # fmt: skip
SOURCES = [
    "kinesis",
    "dynamodb",
    "dynamodb-without-stream",
    "sns",
    "s3",
    "existing-kinesis",
    "existing-dynamodb",
    "existing-sns",
    "existing-s3",
    "sqs",
    "sqs-fifo",
    "existing-sqs",
    "rule",
    "schedule",
    "other-stack",
    "not-a-source",
]


def name_timeout(name: str) -> int | None:
    """Now and then an explicit visibility timeout, below some consumers' timeouts (new_function's is 3 s)."""
    return {"Src0": 2, "Src1": None}.get(name, 30)


def make_source(stack: Stack, base: Path, kind: str, name: str) -> Any:
    return {
        "kinesis": lambda: stack.kinesis_stream(name),
        "dynamodb": lambda: stack.dynamodb_table(name, partition_key="pk", stream_view="NEW_IMAGE"),
        "dynamodb-without-stream": lambda: stack.dynamodb_table(name, partition_key="pk"),
        "sns": lambda: stack.sns_topic(name),
        "s3": lambda: stack.s3_bucket(name),
        "existing-kinesis": lambda: KinesisStream.from_arn(placeholders("kinesis", "stream/src")[1], name=name),
        "existing-dynamodb": lambda: DynamoDBTable.from_stream_arn(
            placeholders("dynamodb", "table/src/stream/2024-01-01T00:00:00.000")[1], name=name
        ),
        "existing-sns": lambda: SnsTopic.from_arn(placeholders("sns", "src")[1], name=name),
        "existing-s3": lambda: S3Bucket.from_name("src-${AWS::AccountId}-${AWS::Region}", name=name),
        "sqs": lambda: stack.sqs_queue(name, visibility_timeout=name_timeout(name)),
        "sqs-fifo": lambda: stack.sqs_queue(name, fifo=True, queue_name=f"{name.lower()}.fifo"),
        "existing-sqs": lambda: SqsQueue.from_arn(placeholders("sqs", "src.fifo")[1], name=name),
        "rule": lambda: stack.event_rule(name, pattern={"source": ["src"]}),
        "schedule": lambda: stack.schedule(name, "rate(5 minutes)"),
        "other-stack": lambda: Stack("other", base_dir=base).sns_topic(name),
        "not-a-source": lambda: "arn:aws:sns:us-east-1:123456789012:src",
    }[kind]()


@FUZZ
@given(kinds=st.lists(st.sampled_from(SOURCES), min_size=1, max_size=3), data=st.data())
def test_add_event_source(base: Path, kinds: list[str], data: st.DataObject) -> None:
    """Up to three sources, each with random options; a shared name now and then exercises clashes."""
    stack = new_stack(base)
    functions = [new_function(stack, "Fn"), new_function(stack, "Other")]
    for i, kind in enumerate(kinds):
        name = data.draw(st.sampled_from([f"Src{i}", f"Src{i}", "Src"]), label="source name")
        source = attempt(lambda kind=kind, name=name: make_source(stack, base, kind, name))
        if source is None:
            continue
        pull = isinstance(source, (KinesisStream, DynamoDBTable))
        own = (
            PULL_OPTIONS if pull
            else SNS_OPTIONS if isinstance(source, SnsTopic)
            else SQS_OPTIONS if isinstance(source, SqsQueue)
            else RULE_OPTIONS if not isinstance(source, S3Bucket)
            else S3_OPTIONS
        )  # fmt: skip
        options = draw_args(data, own, *(["starting_position"] if pull else []))
        if pull and options.get("starting_position") == "AT_TIMESTAMP" and data.draw(st.integers(0, 4)) > 0:
            options["starting_timestamp"] = data.draw(TIMESTAMPS, label="starting_timestamp")
        if data.draw(st.integers(0, 9), label="foreign option?") == 0:  # an option of another kind of source
            foreign = data.draw(st.sampled_from(sorted(ALL_OPTIONS)), label="foreign")
            options[foreign] = data.draw(ALL_OPTIONS[foreign], label=foreign)
        fn = functions[i % 2]
        attempt(lambda fn=fn, source=source, options=options: fn.add_event_source(source, **options))
    assert_renders(stack)
