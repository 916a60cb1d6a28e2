"""Stack-definition validation: each mistake is a SpecError naming stack, resource, field, value and what is allowed."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cfngen import DynamoDBTable, KinesisStream, S3Bucket, SnsTopic, SpecError, Stack, awsdata
from cfngen.builders.sources import bucket_name, bucket_prefix
from cfngen.definitions import RESOURCE_NAME, STACK_NAME, PullTrigger

STACK = "spec-test"
LAYER = "arn:aws:lambda:us-east-1:123456789012:layer:tools:1"
KINESIS_ARN = "arn:aws:kinesis:us-east-1:123456789012:stream/clicks"
# The longest region names today (14 characters); bucket names must fit with these and a 12-digit account.
LONG_REGIONS = ("ap-southeast-7", "ap-northeast-3", "cn-northwest-1")


@pytest.fixture
def base(tmp_path: Path) -> Path:
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "app.py").write_text("def handler(event, context):\n    return event\n")
    (tmp_path / "app.py").write_text("")
    (tmp_path / "bundle.zip").write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    return tmp_path


def new_stack(base: Path, name: str = STACK) -> Stack:
    return Stack(name, base_dir=base)


def new_function(stack: Stack, name: str = "Fn", **options: Any) -> Any:
    kwargs: dict[str, Any] = {"code": "code", "handler": "app.handler", "runtime": "python3.12", **options}
    return stack.function(name, **kwargs)


def spec_error(call: Callable[[], object]) -> SpecError:
    with pytest.raises(SpecError) as info:
        call()
    return info.value


def assert_names(err: SpecError, *, resource: str | None, field: str, shown: str, allowed: str) -> None:
    """The message names stack, resource and field (as stack.resource.field), the bad value and what is allowed."""
    text = str(err)
    where = ".".join(p for p in (STACK, resource, field) if p)
    assert f"{where}:" in text, text
    assert (err.stack, err.resource, err.field) == (STACK, resource, field)
    assert shown in text, f"bad value {shown!r} not in: {text}"
    assert "allowed:" in text and allowed in text, text


# --------------------------------------------------------------------------------- one field at a time

FUNCTION_CASES = [
    ("handler", "app handler", "'app handler'", "no spaces"),
    ("handler", "", "''", "1 to 128"),
    ("runtime", "cobol85", "'cobol85'", "python3.12"),
    ("memory", 64, "64", "128 to 10240"),
    ("memory", 10241, "10241", "128 to 10240"),
    ("memory", "256", "'256'", "128 to 10240"),
    ("memory", True, "True", "128 to 10240"),
    ("timeout", 0, "0", "1 to 900"),
    ("timeout", 901, "901", "1 to 900"),
    ("timeout", 2.5, "2.5", "1 to 900"),
    ("architecture", "arm", "'arm'", "x86_64, arm64"),
    ("environment", {"AWS_REGION": "x"}, "AWS_REGION", "any other name"),
    ("environment", {"1ABC": "x"}, "1ABC", "a letter then letters, digits, _"),
    ("environment", {"LEVEL": 3}, "3", "a string"),
    ("environment", "LEVEL=info", "'LEVEL=info'", "a dict of str to str"),
    ("description", "", "''", "1 to 256"),
    ("description", "d" * 257, "d" * 257, "1 to 256"),
    ("reserved_concurrency", -1, "-1", "0 to 100000"),
    ("log_retention_days", 2, "2", "1, 3, 5, 7, 14, 30"),
    ("log_retention_days", True, "True", "1, 3, 5, 7, 14, 30"),
    ("policies", {"Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::b/*"]}, "'Action'", "a list of IAM"),
    ("policies", ["s3:GetObject"], "'s3:GetObject'", "a dict like"),
    ("policies", [{"Action": ["s3:GetObject"], "Resource": ["x"], "Effect": "Maybe"}], "'Maybe'", "Allow, Deny"),
    ("policies", [{"Action": [], "Resource": ["x"]}], "[]", "a list like"),
    ("policies", [{"Action": ["GetObject"], "Resource": ["x"]}], "'GetObject'", "service:Action"),
    ("policies", [{"Action": ["s3:GetObject"], "Resource": []}], "[]", "a list of ARNs"),
    ("tracing", "On", "'On'", "Active, PassThrough"),
    ("dead_letter_arn", "arn:aws:s3:::bucket", "'arn:aws:s3:::bucket'", "arn:aws:sqs:REGION:ACCOUNT:NAME"),
    ("layers", ["arn:aws:lambda:us-east-1:123456789012:layer:tools"], "layer:tools'", "layer:NAME:VERSION"),
    ("layers", [LAYER] * 6, LAYER, "at most 5"),
    ("layers", LAYER, LAYER, "a list of at most 5"),
    ("code", "app.py", "'app.py'", "a directory or a .zip file"),
    ("code", 3, "3", "a directory or a .zip file"),
]


@pytest.mark.parametrize(("field", "bad", "shown", "allowed"), FUNCTION_CASES)
def test_function_field(base: Path, field: str, bad: Any, shown: str, allowed: str) -> None:
    stack = new_stack(base)
    err = spec_error(lambda: new_function(stack, **{field: bad}))
    assert_names(err, resource="Fn", field=field, shown=shown, allowed=allowed)
    assert stack.functions == []


def test_function_name(base: Path) -> None:
    err = spec_error(lambda: new_function(new_stack(base), "my-function"))
    assert_names(err, resource="my-function", field="name", shown="'my-function'", allowed="a letter A-Z")


SOURCE_CASES = [
    ("kinesis_stream", {"shards": 0}, "shards", "0", "1 to 10000"),
    ("kinesis_stream", {"shards": "2"}, "shards", "'2'", "1 to 10000"),
    ("kinesis_stream", {"retention_hours": 23}, "retention_hours", "23", "24 to 8760"),
    ("kinesis_stream", {"on_demand": "yes"}, "on_demand", "'yes'", "True or False"),
    ("kinesis_stream", {"stream_name": "bad name"}, "stream_name", "'bad name'", "[A-Za-z0-9_.-]+"),
    ("dynamodb_table", {"partition_key": ""}, "partition_key", "''", "1 to 255"),
    ("dynamodb_table", {"partition_key_type": "X"}, "partition_key_type", "'X'", "S, N, B"),
    ("dynamodb_table", {"sort_key": "pk"}, "sort_key", "'pk'", "another attribute"),
    ("dynamodb_table", {"sort_key_type": "BOOL"}, "sort_key_type", "'BOOL'", "S, N, B"),
    ("dynamodb_table", {"stream_view": "NEW"}, "stream_view", "'NEW'", "NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES"),
    ("dynamodb_table", {"table_name": "ab"}, "table_name", "'ab'", "[A-Za-z0-9_.-]{3,255}"),
    ("sns_topic", {"kms_key": "my key"}, "kms_key", "'my key'", "alias/NAME"),
    ("sns_topic", {"display_name": "n" * 101}, "display_name", "n" * 101, "1 to 100"),
    ("sns_topic", {"topic_name": "a.fifo"}, "topic_name", "'a.fifo'", "[A-Za-z0-9_-]+"),
    ("s3_bucket", {"versioning": "yes"}, "versioning", "'yes'", "True or False"),
    ("s3_bucket", {"bucket_name": "Bad_Bucket"}, "bucket_name", "'Bad_Bucket'", "lower-case"),
]


@pytest.mark.parametrize(("method", "options", "field", "shown", "allowed"), SOURCE_CASES)
def test_source_field(base: Path, method: str, options: dict[str, Any], field: str, shown: str, allowed: str) -> None:
    stack = new_stack(base)
    if method == "dynamodb_table":
        options = {"partition_key": "pk", **options}
    err = spec_error(lambda: getattr(stack, method)("Src", **options))
    assert_names(err, resource="Src", field=field, shown=shown, allowed=allowed)
    assert stack.sources == []


PULL_CASES = [
    ("starting_position", "EARLIEST", "'EARLIEST'", "LATEST, TRIM_HORIZON, AT_TIMESTAMP"),
    ("batch_size", 0, "0", "1 to 10000"),
    ("batching_window_seconds", 301, "301", "0 to 300"),
    ("enabled", "no", "'no'", "True or False"),
    ("bisect_on_error", 1, "1", "True or False"),
    ("max_retries", -2, "-2", "-1 to 10000"),
    ("max_record_age_seconds", 59, "59", "60 to 604800 or -1"),
    ("parallelization_factor", 11, "11", "1 to 10"),
    ("on_failure_arn", "arn:aws:lambda:us-east-1:123456789012:function:f", "function:f'", "arn:aws:sqs:REGION"),
    ("filter_patterns", [], "[]", "a list of 1 to 5 dicts"),
    ("filter_patterns", [{}], "{}", "a non-empty dict"),
    ("filter_patterns", [{"a": [1]}] * 6, "{'a': [1]}", "a list of 1 to 5 dicts"),
    ("filter_patterns", [{"a": {1, 2}}], "{1, 2}", "dicts, lists, str, numbers, booleans"),
]


@pytest.mark.parametrize(("field", "bad", "shown", "allowed"), PULL_CASES)
def test_pull_field(base: Path, field: str, bad: Any, shown: str, allowed: str) -> None:
    stack = new_stack(base)
    fn = new_function(stack)
    stream = stack.kinesis_stream("Clicks")
    options: dict[str, Any] = {"starting_position": "LATEST", field: bad}
    err = spec_error(lambda: fn.add_event_source(stream, **options))
    assert_names(err, resource="Fn<-Clicks", field=field, shown=shown, allowed=allowed)
    assert fn.triggers == []


PUSH_CASES = [
    ("sns", "filter_policy", {}, "{}", "a non-empty dict"),
    ("sns", "filter_policy", ["severity"], "['severity']", "a non-empty dict"),
    ("sns", "filter_policy", {"n": [float("nan")]}, "nan", "dicts, lists, str, numbers"),
    ("sns", "filter_policy_scope", "Body", "'Body'", "MessageAttributes, MessageBody"),
    ("s3", "events", ["s3:ObjectCreated"], "'s3:ObjectCreated'", "s3:ObjectCreated:*"),
    ("s3", "events", "s3:ObjectCreated:*", "'s3:ObjectCreated:*'", "a non-empty list"),
    ("s3", "events", ["s3:ObjectCreated:*", "s3:ObjectCreated:*"], "s3:ObjectCreated:*", "each event once"),
    ("s3", "prefix", "", "''", "1 to 1024"),
    ("s3", "suffix", 5, "5", "1 to 1024"),
]


@pytest.mark.parametrize(("kind", "field", "bad", "shown", "allowed"), PUSH_CASES)
def test_push_field(base: Path, kind: str, field: str, bad: Any, shown: str, allowed: str) -> None:
    stack = new_stack(base)
    fn = new_function(stack)
    source = stack.sns_topic("Src") if kind == "sns" else stack.s3_bucket("Src")
    options: dict[str, Any] = {field: bad}
    if field == "filter_policy_scope":
        options["filter_policy"] = {"a": ["b"]}
    err = spec_error(lambda: fn.add_event_source(source, **options))
    assert_names(err, resource="Fn<-Src", field=field, shown=shown, allowed=allowed)


@pytest.mark.parametrize(
    ("name", "description", "shown", "allowed"),
    [
        ("1-stack", None, "'1-stack'", "a letter, then up to 127"),
        ("my_stack", None, "'my_stack'", "letters, digits or '-'"),
        ("s" * 129, None, "s" * 129, "up to 127"),
        (None, None, "None", "a letter"),
        ("ok", "", "''", "1 to 1024"),
        ("ok", "d" * 1025, "d" * 1025, "1 to 1024"),
        ("cfngen-bootstrap", None, "'cfngen-bootstrap' is reserved", "any other stack name"),  # cfngen's own
    ],
)
def test_stack_fields(base: Path, name: Any, description: Any, shown: str, allowed: str) -> None:
    err = spec_error(lambda: Stack(name, description, base_dir=base))
    text = str(err)
    assert err.field == ("description" if description is not None else "name")
    assert shown in text and "allowed:" in text and allowed in text
    assert Path(__file__).name in text, "the stack file is named"


def test_every_error_names_the_stack_file(base: Path) -> None:
    err = spec_error(lambda: new_function(new_stack(base), memory=1))
    assert str(err).startswith(f"{err.file}: ") and err.file is not None and err.file.endswith("test_definitions.py")


# ------------------------------------------------------------------------------------ specific rules


def test_deprecated_runtime_names_its_successor(base: Path) -> None:
    known = awsdata.runtime_lifecycle()["python3.9"]
    assert known.deprecated is not None and known.deprecated <= dt.date.today() and known.successor
    err = spec_error(lambda: new_function(new_stack(base), runtime="python3.9"))
    assert_names(err, resource="Fn", field="runtime", shown="'python3.9'", allowed="python3.12")
    assert "deprecated" in str(err) and str(known.deprecated) in str(err)
    assert err.hint == f"use {known.successor}"
    assert "python3.9" not in str(err).split("allowed:", 1)[1].split("\n")[0]


def test_unknown_runtime_suggests_the_nearest(base: Path) -> None:
    err = spec_error(lambda: new_function(new_stack(base), runtime="python3.1222"))
    assert err.hint is not None and "did you mean 'python3.12'" in err.hint


def test_code_may_be_a_zip_and_is_relative_to_base_dir(base: Path) -> None:
    stack = new_stack(base)
    assert new_function(stack, "Zipped", code="bundle.zip").code == (base / "bundle.zip").resolve()
    assert new_function(stack, "Dir", code=base / "code").code == (base / "code").resolve()


def test_missing_code_path(base: Path) -> None:
    err = spec_error(lambda: new_function(new_stack(base), code="functions/nope"))
    assert (err.stack, err.resource, err.field) == (STACK, "Fn", "code")
    assert f"{STACK}.Fn.code: 'functions/nope' does not exist" in str(err)
    assert "does not exist" in str(err) and str(base / "functions" / "nope") in str(err)
    assert err.hint == "code is relative to the stack file"


def test_unknown_option_of_add_event_source_is_a_spec_error_with_a_suggestion(base: Path) -> None:
    stack = new_stack(base)
    fn = new_function(stack)
    stream = stack.kinesis_stream("Clicks")
    err = spec_error(lambda: fn.add_event_source(stream, starting_position="LATEST", batchsize=10))
    assert "batchsize" in str(err) and err.hint is not None and "did you mean 'batch_size'" in err.hint


@pytest.mark.parametrize(
    ("source", "options", "field", "allowed"),
    [
        ("sns", {"batch_size": 10}, "batch_size", "filter_policy, filter_policy_scope"),
        ("s3", {"filter_policy": {"a": ["b"]}}, "filter_policy", "events, prefix, suffix"),
        ("kinesis", {"starting_position": "LATEST", "prefix": "in/"}, "prefix", "batch_size"),
        ("dynamodb", {"starting_position": "LATEST", "events": ["s3:ObjectCreated:*"]}, "events", "filter_patterns"),
    ],
)
def test_option_of_another_source_kind(
    base: Path, source: str, options: dict[str, Any], field: str, allowed: str
) -> None:
    stack = new_stack(base)
    fn = new_function(stack)
    src = {
        "sns": lambda: stack.sns_topic("Src"),
        "s3": lambda: stack.s3_bucket("Src"),
        "kinesis": lambda: stack.kinesis_stream("Src"),
        "dynamodb": lambda: stack.dynamodb_table("Src", partition_key="pk", stream_view="KEYS_ONLY"),
    }[source]()
    err = spec_error(lambda: fn.add_event_source(src, **options))
    assert_names(err, resource="Fn<-Src", field=field, shown=field, allowed=allowed)
    assert "is not an option of" in str(err)


def test_not_a_source(base: Path) -> None:
    stack = new_stack(base)
    fn = new_function(stack)
    not_a_source: Any = "arn:aws:sns:us-east-1:123456789012:topic"
    err = spec_error(lambda: fn.add_event_source(not_a_source))
    assert_names(err, resource="Fn", field="source", shown="'arn:aws:sns", allowed="KinesisStream")


def test_starting_position_is_required_for_streams(base: Path) -> None:
    stack = new_stack(base)
    fn = new_function(stack)
    err = spec_error(lambda: fn.add_event_source(stack.kinesis_stream("Clicks")))
    assert err.field == "starting_position" and "LATEST, TRIM_HORIZON, AT_TIMESTAMP" in str(err)


@pytest.mark.parametrize(
    ("name_a", "name_b"),
    [("Fn", "Fn"), ("Orders", "OrdersFunction"), ("Data", "DataLogGroup"), ("Fn", "FnRole")],
)
def test_duplicate_function_names_and_logical_id_clashes(base: Path, name_a: str, name_b: str) -> None:
    stack = new_stack(base)
    new_function(stack, name_a)
    err = spec_error(lambda: new_function(stack, name_b))
    assert err.field == "name" and "clashes with the function" in str(err) and "allowed: a name unique" in str(err)
    assert len(stack.functions) == 1


def test_source_and_function_cannot_share_a_name(base: Path) -> None:
    stack = new_stack(base)
    stack.kinesis_stream("Orders")
    err = spec_error(lambda: new_function(stack, "Orders"))
    assert "clashes with the Kinesis stream Orders" in str(err)
    err = spec_error(lambda: stack.s3_bucket("OrdersStream"))
    assert "OrdersStream" in str(err) and err.field == "name"


def test_trigger_logical_ids_cannot_clash(base: Path) -> None:
    stack = new_stack(base)
    a, ab = new_function(stack, "A"), new_function(stack, "AB")
    a.add_event_source(stack.sns_topic("BC"))
    topic = stack.sns_topic("C")
    err = spec_error(lambda: ab.add_event_source(topic))
    assert err.field == "name" and "'ABC' clashes with the trigger BC -> A" in str(err)
    assert ab.triggers == []


def test_existing_sources_with_the_same_derived_name_clash(base: Path) -> None:
    stack = new_stack(base)
    fn = new_function(stack)
    fn.add_event_source(KinesisStream.from_arn(KINESIS_ARN), starting_position="LATEST")
    other = KinesisStream.from_arn(KINESIS_ARN.replace("us-east-1", "eu-west-1"))
    err = spec_error(lambda: new_function(stack, "Other").add_event_source(other, starting_position="LATEST"))
    assert "Clicks" in str(err) and "clashes" in str(err)


def test_same_source_twice_on_one_function(base: Path) -> None:
    stack = new_stack(base)
    fn = new_function(stack)
    topic = stack.sns_topic("Alerts")
    fn.add_event_source(topic)
    err = spec_error(lambda: fn.add_event_source(topic))
    assert err.field == "source" and "already a source of Fn" in str(err)


def test_source_from_another_stack_is_imported(base: Path) -> None:
    """Once refused ("belongs to stack ..."); now a view whose ARN is a parameter (tests/unit/test_imports.py)."""
    other = new_stack(base, "other-stack")
    stream = other.kinesis_stream("Clicks")
    stack = new_stack(base)
    fn = new_function(stack)
    trigger = fn.add_event_source(stream, starting_position="LATEST")
    assert trigger.source is not stream and trigger.source.producer is other and trigger.source.existing
    assert stack.sources == [trigger.source] and other.sources == [stream]
    stack.template()  # the builders read the stream's ARN: imported then
    assert list(stack.imports) == ["OtherStackClicksStreamArn"]


def test_dynamodb_table_without_stream_is_not_a_source(base: Path) -> None:
    stack = new_stack(base)
    fn = new_function(stack)
    table = stack.dynamodb_table("Audit", partition_key="pk")
    err = spec_error(lambda: fn.add_event_source(table, starting_position="LATEST"))
    assert err.resource == "Fn<-Audit" and err.field == "stream_view" and "has no stream" in str(err)
    assert err.hint is not None and "NEW_AND_OLD_IMAGES" in err.hint


def test_at_timestamp_needs_a_timestamp(base: Path) -> None:
    stack = new_stack(base)
    fn = new_function(stack)
    stream = stack.kinesis_stream("Clicks")
    err = spec_error(lambda: fn.add_event_source(stream, starting_position="AT_TIMESTAMP"))
    assert err.field == "starting_timestamp" and "required with starting_position='AT_TIMESTAMP'" in str(err)
    err = spec_error(lambda: fn.add_event_source(stream, starting_position="LATEST", starting_timestamp=1700000000))
    assert err.field == "starting_timestamp" and "allowed only with it" in str(err)
    trigger = fn.add_event_source(stream, starting_position="AT_TIMESTAMP", starting_timestamp=1700000000.5)
    assert isinstance(trigger, PullTrigger) and trigger.starting_timestamp == 1700000000.5


@pytest.mark.parametrize("timestamp", [-1, True, "2024-01-01", float("nan"), float("inf")])
def test_at_timestamp_needs_a_valid_unix_time(base: Path, timestamp: Any) -> None:
    stack = new_stack(base)
    fn = new_function(stack)
    stream = stack.kinesis_stream("Clicks")
    err = spec_error(
        lambda: fn.add_event_source(stream, starting_position="AT_TIMESTAMP", starting_timestamp=timestamp)
    )
    assert err.field == "starting_timestamp" and "Unix time" in str(err)


def test_at_timestamp_is_kinesis_only(base: Path) -> None:
    stack = new_stack(base)
    fn = new_function(stack)
    table = stack.dynamodb_table("Audit", partition_key="pk", stream_view="NEW_IMAGE")
    err = spec_error(
        lambda: fn.add_event_source(table, starting_position="AT_TIMESTAMP", starting_timestamp=1700000000)
    )
    assert_names(err, resource="Fn<-Audit", field="starting_position", shown="'AT_TIMESTAMP'", allowed="LATEST")
    assert "AT_TIMESTAMP" not in str(err).split("allowed:", 1)[1]


@pytest.mark.parametrize("action", ["s3:*", "*", "*:*", "s3:", ["s3:GetObject", "dynamodb:*"]])
def test_user_policy_wildcard_actions_are_rejected(base: Path, action: Any) -> None:
    policy = {"Action": action, "Resource": ["arn:aws:s3:::bucket/*"]}
    err = spec_error(lambda: new_function(new_stack(base), policies=[policy]))
    assert err.field == "policies" and "allowed:" in str(err)


def test_wildcard_action_hint_is_least_privilege(base: Path) -> None:
    err = spec_error(lambda: new_function(new_stack(base), policies=[{"Action": "s3:*", "Resource": "arn:aws:s3:::b"}]))
    assert "grants every action of the service" in str(err) and err.hint == "least privilege: name each action"


def test_user_policy_resource_star_is_rejected(base: Path) -> None:
    """Policies are scoped to exact ARNs; builders/iam.py says X-Ray is the only `*` resource emitted."""
    policy = {"Action": ["s3:GetObject"], "Resource": ["*"]}
    err = spec_error(lambda: new_function(new_stack(base), policies=[policy]))
    assert err.field == "policies" and "'*'" in str(err)


def test_user_policy_unknown_key_suggests(base: Path) -> None:
    policy = {"Actions": ["s3:GetObject"], "Resource": ["arn:aws:s3:::b/*"]}
    err = spec_error(lambda: new_function(new_stack(base), policies=[policy]))
    assert err.field == "Actions" and err.hint == "did you mean 'Action'?"


@pytest.mark.parametrize(
    "condition",
    [{"NoSuchOperator": {"aws:SourceIp": "10.0.0.0/8"}}, ["StringEquals"], {"StringEquals": "not-a-dict"}],
)
def test_user_policy_invalid_condition_is_rejected_at_definition_time(base: Path, condition: Any) -> None:
    policy = {"Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::b/*"], "Condition": condition}
    err = spec_error(lambda: new_function(new_stack(base), policies=[policy]).stack.to_json())
    assert err.field == "policies"


def test_user_policy_condition_is_rendered(base: Path) -> None:
    condition = {"StringEquals": {"aws:PrincipalTag/team": "data"}, "Bool": {"aws:SecureTransport": "true"}}
    policy = {"Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*", "Condition": condition}
    stack = new_stack(base)
    new_function(stack, policies=[policy])
    statements = json.loads(stack.to_json())["Resources"]["FnRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    assert statements["Statement"][-1]["Condition"] == condition


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("dead_letter_arn", "arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:dlq-${AWS::StackName}"),
        ("dead_letter_arn", "arn:${Partition}:sqs:us-east-1:123456789012:dlq"),
        ("layers", ["arn:aws:lambda:${AWS::Region}:${Account}:layer:tools:1"]),
        ("policies", [{"Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::${Env}-bucket/*"]}]),
    ],
)
def test_only_three_placeholders_are_allowed(base: Path, field: str, value: Any) -> None:
    err = spec_error(lambda: new_function(new_stack(base), **{field: value}))
    assert err.field == field
    assert "${AWS::Region}, ${AWS::AccountId}, ${AWS::Partition}" in str(err)


@pytest.mark.parametrize(
    "call",
    [
        lambda: KinesisStream.from_arn("arn:aws:kinesis:${AWS::Region}:${AWS::AccountId}:stream/${AWS::StackName}"),
        lambda: SnsTopic.from_arn("arn:${AWS::URLSuffix}:sns:us-east-1:123456789012:topic"),
        lambda: DynamoDBTable.from_stream_arn("arn:aws:dynamodb:${Region}:123456789012:table/t/stream/x"),
        lambda: S3Bucket.from_name("data-${AWS::StackName}"),
        lambda: S3Bucket.from_name("data-${AWS::Partition}-x"),
    ],
)
def test_existing_sources_reject_other_placeholders(call: Callable[[], object]) -> None:
    spec_error(call)


def test_existing_sources_accept_the_three_placeholders() -> None:
    arn = "arn:${AWS::Partition}:kinesis:${AWS::Region}:${AWS::AccountId}:stream/clicks-1"
    assert KinesisStream.from_arn(arn).ident == "Clicks1"
    assert SnsTopic.from_arn(arn.replace("kinesis", "sns").replace("stream/", "")).existing
    name = "data-${AWS::AccountId}-${AWS::Region}"
    assert S3Bucket.from_name(name).bucket_name == name


@pytest.mark.parametrize(
    "call",
    [
        lambda: KinesisStream.from_arn("arn:aws:sns:us-east-1:123456789012:topic"),
        lambda: KinesisStream.from_arn(KINESIS_ARN, name="lower"),
        lambda: SnsTopic.from_arn(None),  # type: ignore[arg-type]
        lambda: DynamoDBTable.from_stream_arn("arn:aws:dynamodb:us-east-1:123456789012:table/t1"),
        lambda: S3Bucket.from_name("UPPER"),
    ],
)
def test_existing_sources_reject_bad_arns_and_names(call: Callable[[], object]) -> None:
    text = str(spec_error(call))
    assert "allowed" in text or "not a valid" in text


def test_stack_is_closed_once_built(base: Path) -> None:
    stack = new_stack(base)
    fn = new_function(stack)
    stack.to_json()
    for call in (
        lambda: new_function(stack, "Late"),
        lambda: stack.sns_topic("Late"),
        lambda: fn.add_event_source(SnsTopic.from_arn("arn:aws:sns:us-east-1:123456789012:t")),
    ):
        assert "already built" in str(spec_error(call))


STATEMENT = {"Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::b/*"]}


@pytest.mark.parametrize(
    "options",
    [
        {"environment": {"A": "x"}},  # Lambda wants 2+ characters; troposphere raises ValueError at build
        {"environment": {"LEVEL": "x", 1: "y"}},  # sorted() of mixed key types: TypeError
        {"policies": [{1: "x"}]},  # difflib on a non-str key: TypeError
        {"policies": [{**STATEMENT, "Sid": 7}]},  # awacs raises TypeError at build
        {"policies": [{**STATEMENT, "Sid": "has space"}]},  # IAM: Sid is letters and digits only
        {"code": "code\x00"},  # Path.resolve: ValueError
    ],
)
def test_definition_mistakes_are_spec_errors_not_crashes(base: Path, options: dict[str, Any]) -> None:
    """Each is a SpecError at definition time, not another exception now or when the template is built."""
    stack = new_stack(base)
    err = spec_error(lambda: new_function(stack, **options) and stack.to_json())
    assert err.resource == "Fn" and "allowed" in str(err), str(err)


def test_base_dir_of_the_wrong_type_is_a_spec_error() -> None:
    spec_error(lambda: Stack(STACK, base_dir=7))  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------- bucket names

S3_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
S3_BAD_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
S3_BAD_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def assert_valid_bucket_name(name: str) -> None:
    assert S3_BUCKET_NAME.fullmatch(name), name
    assert len(name) <= 63 and ".." not in name, name
    assert not name.startswith(S3_BAD_PREFIXES) and not name.endswith(S3_BAD_SUFFIXES), name
    assert not re.fullmatch(r"\d+\.\d+\.\d+\.\d+", name)


def deployed(template_name: str, region: str) -> str:
    return template_name.replace("${AWS::AccountId}", "123456789012").replace("${AWS::Region}", region)


# The longest region name a generated bucket name must fit: no region name is longer than 16 characters.
REGION_16 = "ap-southeast-777"


def resolve(value: Any, deployed_id: str, region: str) -> Any:
    """What CloudFormation makes of the intrinsics a bucket name uses, for a stack deployed in account
    123456789012 with the given id: Ref of a pseudo parameter, Fn::Select, Fn::Split and both Fn::Sub forms."""
    pseudo = {"AWS::StackId": deployed_id, "AWS::AccountId": "123456789012", "AWS::Region": region}
    if isinstance(value, str):
        return value
    ((key, arg),) = value.items()
    if key == "Ref":
        return pseudo[arg]
    if key == "Fn::Select":
        return resolve(arg[1], deployed_id, region)[arg[0]]
    if key == "Fn::Split":
        return resolve(arg[1], deployed_id, region).split(arg[0])
    assert key == "Fn::Sub", value
    text, variables = (arg, {}) if isinstance(arg, str) else arg
    known = {**pseudo, **{k: resolve(v, deployed_id, region) for k, v in variables.items()}}
    return re.sub(r"\$\{([^}!][^}]*)\}", lambda m: known[m.group(1)], text)


def stack_id(stack_name: str, region: str = "us-east-1") -> str:
    return f"arn:aws:cloudformation:{region}:123456789012:stack/{stack_name}/{uuid.uuid4()}"


def built_bucket(base: Path, stack_name: str, bucket: str, **options: Any) -> tuple[Any, dict[str, Any]]:
    """The bucket's name from bucket_name() (as JSON) and the template the stack renders."""
    stack = new_stack(base, stack_name)
    name = bucket_name(stack, stack.s3_bucket(bucket, **options))
    return (name if isinstance(name, str) else name.to_dict()), json.loads(stack.to_json())


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    stack_name=st.from_regex(STACK_NAME, fullmatch=True),
    bucket=st.from_regex(RESOURCE_NAME, fullmatch=True),
)
def test_bucket_names_are_valid_and_deterministic_for_any_stack_name(base: Path, stack_name: str, bucket: str) -> None:
    name, template = built_bucket(base, stack_name, bucket)
    assert built_bucket(base, stack_name, bucket) == (name, template)
    assert template["Resources"][f"{bucket}Bucket"]["Properties"]["BucketName"] == name
    for region in (*LONG_REGIONS, REGION_16, "us-east-1"):
        deployed_as = stack_id(stack_name, region)
        rendered = resolve(name, deployed_as, region)
        assert_valid_bucket_name(rendered)
        head = deployed_as.rsplit("/", 1)[1].split("-")[0]
        assert rendered.endswith(f"-{head}-123456789012-{region}"), rendered


def test_bucket_name_bound_holds_for_the_longest_names(base: Path) -> None:
    """A 128-character stack name and a 64-character bucket name still give at most 63 characters."""
    longest = {"stack_name": "S" + "a-" * 63 + "z", "bucket": "B" + "x" * 63}
    assert len(longest["stack_name"]) == 128
    for stack_name, bucket in (tuple(longest.values()), ("xn--stack", "Data"), ("sthree-x", "Data"), ("a", "Bc")):
        name, _ = built_bucket(base, stack_name, bucket)
        rendered = resolve(name, stack_id(stack_name, REGION_16), REGION_16)
        assert_valid_bucket_name(rendered)
        assert len(rendered) <= 63


def test_bucket_name_follows_the_stack_it_is_deployed_as(base: Path) -> None:
    """The same template under two stack names (a staging copy) names two different buckets."""
    name, _ = built_bucket(base, "orders", "Uploads")
    arn = "arn:aws:cloudformation:eu-west-1:123456789012:stack/{}/{}-da77-11e4-872e-1234567db123"
    first = resolve(name, arn.format("orders", "51af3dc0"), "eu-west-1")
    copy = resolve(name, arn.format("copy", "0f1e2d3c"), "eu-west-1")
    assert first == "orders-uploads-51af3dc0-123456789012-eu-west-1"
    assert copy == "orders-uploads-0f1e2d3c-123456789012-eu-west-1"


def test_long_stack_names_keep_distinct_bucket_names(base: Path) -> None:
    prefix = "a" * 100
    names = set()
    for suffix in ("x", "y"):
        stack = new_stack(base, f"{prefix}-{suffix}")
        names.add(bucket_prefix(stack, stack.s3_bucket("Data")))
    assert len(names) == 2


def test_buckets_differing_only_in_case_get_distinct_names_or_are_rejected(base: Path) -> None:
    stack = new_stack(base)
    first = stack.s3_bucket("Uploads")
    try:
        second = stack.s3_bucket("UPLOADS")
    except SpecError:
        return
    assert bucket_prefix(stack, first) != bucket_prefix(stack, second), "two buckets would get the same physical name"


def test_given_bucket_name_is_literal_unless_it_has_placeholders(base: Path) -> None:
    name, template = built_bucket(base, STACK, "Data", bucket_name="my-bucket")
    assert name == "my-bucket" == template["Resources"]["DataBucket"]["Properties"]["BucketName"]
    name, _ = built_bucket(base, STACK, "Data", bucket_name="my-${AWS::AccountId}-${AWS::Region}")
    assert name == {"Fn::Sub": "my-${AWS::AccountId}-${AWS::Region}"}


def test_pinning_the_name_an_earlier_cfngen_generated_keeps_the_properties(base: Path) -> None:
    """The README's upgrade note: bucket_name= with the old name as written leaves BucketName and the
    permission's SourceArn exactly as an earlier cfngen rendered them, so the bucket is not replaced."""
    old = "orders-uploads-${AWS::AccountId}-${AWS::Region}"
    stack = new_stack(base, "orders")
    new_function(stack).add_event_source(stack.s3_bucket("Uploads", bucket_name=old), events=["s3:ObjectCreated:*"])
    resources = json.loads(stack.to_json())["Resources"]
    assert resources["UploadsBucket"]["Properties"]["BucketName"] == {"Fn::Sub": old}
    assert resources["FnUploadsPermission"]["Properties"]["SourceArn"] == {
        "Fn::Sub": f"arn:${{AWS::Partition}}:s3:::{old}"
    }


def test_given_bucket_name_must_fit_the_longest_region(base: Path) -> None:
    name = "a" * 36 + "-${AWS::AccountId}-${AWS::Region}"
    assert len(deployed(name, "us-east-1")) <= 63 < len(deployed(name, "ap-southeast-7"))
    err = spec_error(lambda: new_stack(base).s3_bucket("Data", bucket_name=name))
    assert err.field == "bucket_name"


def test_user_policy_resource_star_is_allowed_only_for_unscopable_actions(base: Path) -> None:
    """IAM cannot scope xray:PutTraceSegments (cfn-lint's IAM data lists no resource type): '*' is the only way."""
    fn = new_function(new_stack(base), policies=[{"Action": ["xray:PutTraceSegments"], "Resource": "*"}])
    assert fn.policies[0]["Resource"] == ["*"]
    mixed = {"Action": ["xray:PutTraceSegments", "s3:GetObject"], "Resource": ["*"]}
    err = spec_error(lambda: new_function(new_stack(base), policies=[mixed]))
    assert "s3:GetObject" in str(err) and "xray:PutTraceSegments" not in str(err).split("allowed")[0].split("with")[1]


def test_overlapping_s3_notifications_are_spec_errors(base: Path) -> None:
    """S3 refuses overlapping notification configurations at deploy time; catch them at definition time."""
    stack = new_stack(base)
    a, b = new_function(stack, "A"), new_function(stack, "B")
    bucket = stack.s3_bucket("Uploads")
    a.add_event_source(bucket, events=["s3:ObjectCreated:*"], prefix="in/")
    err = spec_error(lambda: b.add_event_source(bucket, events=["s3:ObjectCreated:Put"], prefix="in/x"))
    assert err.field == "prefix" and "overlaps A's" in str(err)
    b.add_event_source(bucket, events=["s3:ObjectCreated:Put"], prefix="out/")  # distinct prefix: fine
    own = spec_error(
        lambda: new_function(stack, "C").add_event_source(
            stack.s3_bucket("Other"), events=["s3:ObjectCreated:*", "s3:ObjectCreated:Put"]
        )
    )
    assert own.field == "events"


def test_tables_are_retained_unless_asked_not_to(base: Path) -> None:
    stack = new_stack(base)
    stack.dynamodb_table("Kept", partition_key="pk")
    stack.dynamodb_table("Dropped", partition_key="pk", retain=False)
    resources = stack.template().to_dict()["Resources"]
    assert resources["KeptTable"]["DeletionPolicy"] == resources["KeptTable"]["UpdateReplacePolicy"] == "Retain"
    assert "DeletionPolicy" not in resources["DroppedTable"]


def test_existing_bucket_in_another_account_sets_that_source_account(base: Path) -> None:
    stack = new_stack(base)
    new_function(stack).add_event_source(S3Bucket.from_name("their-bucket", account="210987654321"))
    permission = stack.template().to_dict()["Resources"]["FnTheirBucketPermission"]["Properties"]
    assert permission["SourceAccount"] == "210987654321"
    err = spec_error(lambda: S3Bucket.from_name("their-bucket", account="12"))
    assert err.field == "account"


# ----------------------------------------------------------------------------------------- option tables


def test_trigger_options_come_from_the_trigger_fields_in_check_order() -> None:
    from cfngen.definitions import PULL_OPTIONS, S3_OPTIONS, SNS_OPTIONS
    from cfngen.definitions.triggers import EVENT_SOURCE_OPTIONS, EventSourceOptions

    assert PULL_OPTIONS == (
        "starting_position",
        "starting_timestamp",
        "batch_size",
        "batching_window_seconds",
        "enabled",
        "bisect_on_error",
        "max_retries",
        "max_record_age_seconds",
        "parallelization_factor",
        "on_failure_arn",
        "filter_patterns",
        "report_batch_item_failures",
        "tumbling_window_seconds",
        "enhanced_fan_out",
    )
    assert (SNS_OPTIONS, S3_OPTIONS) == (
        ("filter_policy", "filter_policy_scope"),
        ("events", "prefix", "suffix", "via"),
    )
    # add_event_source's typed keyword arguments are exactly the options the triggers check.
    assert tuple(EventSourceOptions.__annotations__) == EVENT_SOURCE_OPTIONS


def test_function_options_are_the_keyword_arguments_of_stack_function() -> None:
    import inspect

    from cfngen.definitions import FUNCTION_OPTIONS

    params = inspect.signature(Stack.function).parameters.values()
    assert tuple(p.name for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY) == FUNCTION_OPTIONS
