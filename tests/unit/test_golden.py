"""Golden files per builder concern, plus the template rules checked directly on every golden case and example.

Each case builds a small spec and compares `stack.to_json()` with tests/golden/<case>.json byte for byte.
`make golden` (CFNGEN_REGENERATE_GOLDEN=1) rewrites the files instead; review the diff before committing.
The structural tests below do not trust the golden files: they check the template rules of
docs/ARCHITECTURE.md (mapping DependsOn and Enabled wiring, S3 push without a cycle, least-privilege IAM)
against the spec itself.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cfngen import (
    DynamoDBTable,
    EventBus,
    KinesisStream,
    S3Bucket,
    Secret,
    SnsTopic,
    SqsQueue,
    SsmParameter,
    Stack,
    Vpc,
    awsdata,
)
from cfngen.builders import iam
from cfngen.builders.triggers import notes
from cfngen.definitions import PullTrigger, RuleTrigger, S3Trigger, SnsTrigger, SqsTrigger
from cfngen.lint import Linter

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "golden"
REGENERATE = os.environ.get("CFNGEN_REGENERATE_GOLDEN") == "1"
REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d")
INTRINSICS = ("Ref", "Fn::GetAtt", "Fn::Sub")
PSEUDO = {"AWS::Region", "AWS::AccountId", "AWS::Partition", "AWS::StackName", "AWS::StackId", "AWS::URLSuffix"}

Template = dict[str, Any]
Subject = tuple[str, Stack, Template]

# ------------------------------------------------------------------------------------------------ cases

CASES: dict[str, Callable[[], Stack]] = {}


def case(build: Callable[[], Stack]) -> Callable[[], Stack]:
    CASES[build.__name__.removeprefix("case_")] = build
    return build


def _stack(name: str, description: str | None = None) -> Stack:
    return Stack(name, description, base_dir=GOLDEN_DIR)


def _fn(stack: Stack, name: str = "Handler", **options: Any) -> Any:
    return stack.function(name, code="code", handler="app.handler", runtime="python3.12", **options)


def _arn(service: str, resource: str) -> str:
    return f"arn:${{AWS::Partition}}:{service}:${{AWS::Region}}:${{AWS::AccountId}}:{resource}"


@case
def case_function_options() -> Stack:
    stack = _stack("golden-function-options", "every function option")
    _fn(
        stack,
        memory=1024,
        timeout=120,
        architecture="arm64",
        environment={
            "MODE": "batch",
            "LEVEL": "debug",
            "QUEUE_URL": "https://sqs.${AWS::Region}.${AWS::URLSuffix}/${AWS::AccountId}/golden-dlq",
            "LOG_PREFIX": "${AWS::StackName}/${date}/",  # ${date} is the function's own placeholder
            "GREETING": "hello ${USER}",
        },
        description="uses every option",
        reserved_concurrency=5,
        log_retention_days=14,
        policies=[
            {
                "Sid": "ReadTeamConfig",
                "Action": ["s3:GetObject"],
                "Resource": ["arn:${AWS::Partition}:s3:::config-${AWS::AccountId}/app/*"],
                "Condition": {"StringEquals": {"s3:ExistingObjectTag/team": "data"}},
            },
            {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::config-archive/*"},
        ],
        tracing="Active",
        dead_letter_arn=_arn("sqs", "golden-dlq"),
        layers=["arn:aws:lambda:eu-west-1:123456789012:layer:shared:3", _arn("lambda", "layer:tools:1")],
    )
    return stack


@case
def case_kinesis_pull() -> Stack:
    stack = _stack("golden-kinesis-pull")
    fn = _fn(stack)
    clicks = stack.kinesis_stream("Clicks", shards=2, retention_hours=48, stream_name="golden-clicks")
    events = stack.kinesis_stream("Events", on_demand=True)
    fn.add_event_source(
        clicks,
        starting_position="AT_TIMESTAMP",
        starting_timestamp=1700000000,
        batch_size=500,
        batching_window_seconds=5,
        enabled=False,
        bisect_on_error=True,
        max_retries=3,
        max_record_age_seconds=3600,
        parallelization_factor=2,
        on_failure_arn="arn:aws:sqs:eu-west-1:123456789012:golden-failures",
        filter_patterns=[{"data": {"kind": ["order"]}}, {"data": {"amount": [{"numeric": [">", 100]}]}}],
    )
    fn.add_event_source(events, starting_position="TRIM_HORIZON", on_failure_arn=_arn("sns", "golden-failures"))
    return stack


@case
def case_dynamodb_pull() -> Stack:
    stack = _stack("golden-dynamodb-pull")
    fn = _fn(stack)
    table = stack.dynamodb_table(
        "Ledger",
        partition_key="account",
        sort_key="seq",
        sort_key_type="N",
        stream_view="NEW_IMAGE",
        table_name="golden-ledger",
    )
    fn.add_event_source(table, starting_position="LATEST", batch_size=10, max_retries=-1, enabled=True)
    return stack


@case
def case_existing_streams() -> Stack:
    stack = _stack("golden-existing-streams")
    fn = _fn(stack)
    fn.add_event_source(KinesisStream.from_arn(_arn("kinesis", "stream/golden-orders")), starting_position="LATEST")
    fn.add_event_source(
        DynamoDBTable.from_stream_arn(
            "arn:aws:dynamodb:${AWS::Region}:${AWS::AccountId}:table/golden-audit/stream/2024-01-01T00:00:00.000",
            name="Audit",
        ),
        starting_position="TRIM_HORIZON",
        enabled=False,
    )
    return stack


@case
def case_stream_and_async_options() -> Stack:
    """Batch item failures and tumbling windows on stream mappings, enhanced fan-out (a consumer of its own, an
    existing consumer's ARN), a provisioned table, and asynchronous invocation settings with every destination."""
    stack = _stack("golden-stream-and-async-options")
    results = stack.event_bus("Results")
    done = stack.sqs_queue("Done")
    fn = _fn(
        stack,
        on_success=results,
        on_failure=_arn("lambda", "function:golden-fallback"),
        max_event_age_seconds=3600,
        max_retry_attempts=0,
    )
    other = _fn(stack, "Other", on_success=done, on_failure=EventBus.from_name("golden-theirs"), max_retry_attempts=1)
    _fn(stack, "Notifier", on_success=_arn("sns", "golden-done"), max_event_age_seconds=60)
    clicks = stack.kinesis_stream("Clicks")
    fn.add_event_source(
        clicks, starting_position="LATEST", report_batch_item_failures=True, tumbling_window_seconds=60,
        enhanced_fan_out=True,
    )  # fmt: skip
    consumer = _arn("kinesis", "stream/golden-orders/consumer/golden-reader:1700000000")
    other.add_event_source(KinesisStream.from_arn(consumer), starting_position="TRIM_HORIZON")
    ledger = stack.dynamodb_table(
        "Ledger", partition_key="id", stream_view="NEW_IMAGE", billing="provisioned", read_capacity=5, write_capacity=2
    )
    other.add_event_source(
        ledger, starting_position="LATEST", report_batch_item_failures=True, tumbling_window_seconds=900
    )
    return stack


@case
def case_sns_push() -> Stack:
    stack = _stack("golden-sns-push")
    fn = _fn(stack)
    topic = stack.sns_topic("Alerts", kms_key="alias/aws/sns", display_name="Golden alerts")
    fn.add_event_source(
        topic, filter_policy={"severity": ["high", "critical"]}, filter_policy_scope="MessageAttributes"
    )
    return stack


@case
def case_existing_sns() -> Stack:
    stack = _stack("golden-existing-sns")
    fn = _fn(stack)
    fn.add_event_source(SnsTopic.from_arn("arn:aws:sns:eu-west-1:123456789012:golden-ops"))
    fn.add_event_source(SnsTopic.from_arn(_arn("sns", "golden-alerts")), filter_policy={"kind": ["page"]})
    return stack


@case
def case_s3_push() -> Stack:
    stack = _stack("golden-s3-push")
    ingest = _fn(stack, "Ingest")
    cleanup = _fn(stack, "Cleanup")
    bucket = stack.s3_bucket("Uploads", versioning=True)
    ingest.add_event_source(
        bucket,
        events=["s3:ObjectCreated:Put", "s3:ObjectCreated:CompleteMultipartUpload"],
        prefix="incoming/",
        suffix=".csv",
    )
    cleanup.add_event_source(bucket, events=["s3:ObjectRemoved:*"], prefix="archive/")
    # A name given in the spec stays as written: a plain string, not an Fn::Sub.
    cleanup.add_event_source(stack.s3_bucket("Archive", bucket_name="golden-archive-bucket"))
    return stack


@case
def case_existing_s3() -> Stack:
    stack = _stack("golden-existing-s3")
    fn = _fn(stack)
    fn.add_event_source(
        S3Bucket.from_name("golden-landing-${AWS::AccountId}-${AWS::Region}", name="Landing"),
        events=["s3:ObjectCreated:*", "s3:ObjectRemoved:Delete"],
        suffix=".json",
    )
    # An existing bucket's events through EventBridge: a rule on the default bus, its switch and permission.
    fn.add_event_source(
        S3Bucket.from_name("golden-theirs-${AWS::AccountId}", name="Theirs"),
        events=["s3:ObjectCreated:*", "s3:ObjectRemoved:Delete"],
        prefix="in/",
        suffix=".csv",
        via="eventbridge",
    )
    return stack


@case
def case_shared_source() -> Stack:
    stack = _stack("golden-shared-source")
    first = _fn(stack, "First")
    second = _fn(stack, "Second")
    orders = stack.kinesis_stream("Orders")
    topic = stack.sns_topic("Notices")
    first.add_event_source(orders, starting_position="LATEST", batch_size=10)
    second.add_event_source(orders, starting_position="TRIM_HORIZON", enabled=False)
    first.add_event_source(topic)
    second.add_event_source(topic, filter_policy={"kind": ["audit"]})
    return stack


@case
def case_two_functions() -> Stack:
    stack = _stack("golden-two-functions", "two independent functions")
    _fn(stack, "Api")
    stack.function(
        "Worker",
        code="code",
        handler="index.handler",
        runtime="nodejs22.x",
        memory=256,
        dead_letter_arn="arn:aws:sns:us-east-1:123456789012:golden-dead-letters",
        log_retention_days=365,
    )
    return stack


@case
def case_sources_only() -> Stack:
    stack = _stack("golden-sources-only", "sources without functions")
    stack.kinesis_stream("Stream")
    stack.dynamodb_table("Plain", partition_key="id", partition_key_type="B")
    stack.dynamodb_table("Streamed", partition_key="id", stream_view="KEYS_ONLY")
    stack.sns_topic("Topic", topic_name="golden-topic")
    stack.s3_bucket("Store")
    stack.s3_bucket("Reports", bucket_name="golden-reports-${AWS::AccountId}-${AWS::Region}")
    return stack


@case
def case_customer_keys() -> Stack:
    """Customer-managed keys (environment, log group, table, topic) and failure destinations for async callers."""
    stack = _stack("golden-customer-keys", "customer-managed keys and failure destinations")
    key = _arn("kms", "key/1234abcd-12ab-34cd-56ef-1234567890ab")
    failures = stack.sns_topic("Failures", kms_key=key)
    table = stack.dynamodb_table("Ledger", partition_key="id", stream_view="NEW_IMAGE", kms_key=key)
    reader = _fn(stack, "Reader", environment={"MODE": "strict"}, kms_key=key, on_failure=failures)
    reader.add_event_source(table, starting_position="LATEST")
    _fn(stack, "Sender", on_failure="arn:aws:sqs:eu-west-1:123456789012:golden-failures")
    return stack


@case
def case_long_bucket_name() -> Stack:
    """A stack name longer than a bucket name may be: the prefix is cut and a digest keeps it unique."""
    stack = _stack("Golden-Stack-With-A-Very-Long-Name-That-Does-Not-Fit-In-A-Bucket")
    fn = _fn(stack)
    fn.add_event_source(stack.s3_bucket("DataLake"), prefix="raw/")
    return stack


@case
def case_sqs_pull() -> Stack:
    """Created queues (standard with every mapping option, FIFO with a customer key, no DLQ) and an existing one."""
    stack = _stack("golden-sqs-pull")
    worker = _fn(stack, "Worker", timeout=30)
    slow = _fn(stack, "Slow", timeout=120)
    work = stack.sqs_queue("Work", retention_seconds=86400)
    worker.add_event_source(
        work,
        batch_size=20,
        batching_window_seconds=2,
        report_batch_item_failures=True,
        max_concurrency=5,
        filter_patterns=[{"body": {"kind": ["job"]}}],
        enabled=False,
    )
    slow.add_event_source(work, batch_size=5)  # the visibility timeout follows the slowest consumer: 6 x 120 s
    key = _arn("kms", "key/1234abcd-12ab-34cd-56ef-1234567890ab")
    orders = stack.sqs_queue("Orders", fifo=True, queue_name="golden-orders.fifo", max_receive_count=3, kms_key=key)
    worker.add_event_source(orders, batch_size=10, report_batch_item_failures=True)
    stack.sqs_queue("Plain", visibility_timeout=60, max_receive_count=None)
    slow.add_event_source(SqsQueue.from_arn(_arn("sqs", "golden-jobs")))
    _fn(stack, "Sender", on_failure=work)
    return stack


@case
def case_event_rules() -> Stack:
    """Rules on the default, a created and an existing bus; schedules (rate, cron); constant inputs."""
    stack = _stack("golden-event-rules")
    first = _fn(stack, "First", on_failure=_arn("sqs", "golden-failures"))
    second = _fn(stack, "Second", dead_letter_arn=_arn("sqs", "golden-dlq"))
    placed = stack.event_rule(
        "OrderPlaced",
        pattern={"source": ["shop.orders"], "detail": {"total": [{"numeric": [">", 100]}]}},
        description="large orders",
    )
    first.add_event_source(placed)
    second.add_event_source(placed, input={"from": "rule"})
    bus = stack.event_bus("Shop")
    first.add_event_source(stack.event_rule("Shipped", pattern={"detail-type": ["Shipped"]}, bus=bus))
    theirs = stack.event_rule("Partner", pattern={"source": [{"prefix": "partner."}]},
                              bus=EventBus.from_name("golden-partner-bus"), enabled=False)  # fmt: skip
    second.add_event_source(theirs)
    first.add_event_source(stack.schedule("Nightly", "cron(0 3 * * ? *)"), input={"job": "nightly"})
    second.add_event_source(stack.schedule("Often", "rate(5 minutes)", enabled=False))
    return stack


@case
def case_alias() -> Stack:
    """alias=: a Version (CodeSha256 parameter, retained) and an Alias with provisioned concurrency, which every
    trigger targets (queue and stream mappings, SNS and S3 push, a rule) and on_failure's config qualifies."""
    stack = _stack("golden-alias")
    api = _fn(stack, "Api", alias="live", provisioned_concurrency=2, reserved_concurrency=10,
              on_failure=_arn("sqs", "golden-failures"))  # fmt: skip
    api.add_event_source(stack.sqs_queue("Jobs"))
    api.add_event_source(stack.kinesis_stream("Clicks", shards=1), starting_position="LATEST")
    api.add_event_source(stack.sns_topic("Events"))
    api.add_event_source(stack.s3_bucket("Uploads"), events=["s3:ObjectCreated:*"])
    api.add_event_source(stack.schedule("Hourly", "rate(1 hour)"))
    _fn(stack, "Plain").add_event_source(stack.sns_topic("Other"))  # no alias: the function itself, as before
    return stack


@case
def case_wiring() -> Stack:
    """References and grants: created and existing sources, a secret, an SSM parameter, a stack parameter, a fixed
    function name; a grant and an event source on one queue (no action twice); keys on a table, queue and secret."""
    key = "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/12345678-1234-1234-1234-123456789012"
    stack = _stack("golden-wiring")
    stage = stack.parameter("Stage", default="dev", allowed=["dev", "prod"], description="stage")
    prefix = stack.parameter("Prefix", default="golden")
    table = stack.dynamodb_table("Accounts", partition_key="id", stream_view="NEW_IMAGE", kms_key=key)
    bucket = stack.s3_bucket("Receipts")
    queue = stack.sqs_queue("Outbox", kms_key=key)
    topic = stack.sns_topic("Events")
    stream = stack.kinesis_stream("Clicks")
    rule = stack.schedule("Nightly", "rate(1 day)")
    theirs = SqsQueue.from_arn(_arn("sqs", "golden-theirs"))
    their_table = DynamoDBTable.from_name("golden-ledger")
    token = Secret.from_arn(_arn("secretsmanager", "secret:golden/api-AbCdEf"), kms_key=key)
    setting = SsmParameter.from_name("/golden/db-url", kms_key=key)
    api = _fn(
        stack,
        "Api",
        function_name=prefix + "-api-" + stage,
        environment={
            "TABLE": table.name,
            "TABLE_ARN": table.arn,
            "TABLE_STREAM": table.stream_arn,
            "BUCKET": bucket.name,
            "OUTBOX": queue.url,
            "TOPIC": topic.arn,
            "TOPIC_NAME": topic.name,
            "STREAM": stream.name,
            "RULE": rule.arn,
            "THEIRS": theirs.url,
            "LEDGER": their_table.name,
            "TOKEN": token.arn,
            "SETTING": setting.name,
            "STAGE": stage,
            "LABEL": "orders-" + stage + "-${AWS::Region}",
        },
        policies=[{"Action": ["s3:GetObjectTagging"], "Resource": [bucket.arn + "/*"]}],
    )
    api.add_event_source(queue)
    table.grant_read_write(api)
    bucket.grant_read_write(api)
    queue.grant_consume(api)
    queue.grant_send(api)
    theirs.grant_send(api)
    their_table.grant_read(api)
    topic.grant_publish(api)
    stream.grant_write(api)
    token.grant_read(api)
    setting.grant_read(api)
    return stack


@case
def case_tags_vpc() -> Stack:
    """Stack tags on every taggable resource, a function's own tags (winning on a shared key), VPC functions: ids,
    a parameter, one subnet (a warning, not an error); an SSM parameter path granted."""
    stack = Stack("golden-tags-vpc", tags={"team": "payments", "cost-centre": "CC 42/a"}, base_dir=GOLDEN_DIR)
    subnet = stack.parameter("SecondSubnet", default="subnet-0123456789abcdef0")
    api = _fn(
        stack,
        "Api",
        tags={"tier": "web", "team": "api"},
        vpc=Vpc(subnet_ids=["subnet-01234567", subnet], security_group_ids=["sg-89abcdef"]),
    )
    _fn(stack, "Single", vpc=Vpc(subnet_ids=["subnet-01234567"], security_group_ids=["sg-89abcdef"]))
    SsmParameter.from_path("/golden/prod/").grant_read(api)
    api.add_event_source(stack.sqs_queue("Jobs"))
    api.add_event_source(stack.kinesis_stream("Clicks"), starting_position="LATEST")
    api.add_event_source(stack.sns_topic("Events"))
    api.add_event_source(stack.s3_bucket("Uploads"))
    stack.dynamodb_table("Accounts", partition_key="id")
    api.add_event_source(stack.event_rule("Shipped", pattern={"detail-type": ["Shipped"]}, bus=stack.event_bus("Shop")))
    return stack


# ----------------------------------------------------------------------------------------- golden files


def _invoked(tr: Any) -> dict[str, Any]:
    """What a trigger invokes: the function's alias when it has one (alias=), else the function's ARN."""
    if tr.function.alias is not None:
        return {"Ref": f"{tr.function.name}Alias"}
    return {"Fn::GetAtt": [f"{tr.function.name}Function", "Arn"]}


def _golden_path(name: str) -> Path:
    return GOLDEN_DIR / f"{name}.json"


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name: str) -> None:
    text = CASES[name]().to_json()
    path = _golden_path(name)
    if REGENERATE:
        if not path.exists() or path.read_bytes() != text.encode():
            path.write_bytes(text.encode())
        return
    assert path.exists(), f"{path} is missing: run `make golden` and review the new file"
    expected = path.read_bytes()
    if expected != text.encode():
        diff = "".join(
            difflib.unified_diff(
                expected.decode().splitlines(keepends=True),
                text.splitlines(keepends=True),
                fromfile=f"{path} (golden)",
                tofile=f"{path} (built)",
            )
        )
        pytest.fail(f"{name} differs from its golden file (run `make golden` if intended):\n{diff}")


def test_every_golden_file_has_a_case() -> None:
    if REGENERATE:
        for orphan in set(GOLDEN_DIR.glob("*.json")) - {_golden_path(n) for n in CASES}:
            orphan.unlink()
    assert sorted(p.stem for p in GOLDEN_DIR.glob("*.json")) == sorted(CASES)


def test_same_spec_built_twice_gives_same_text() -> None:
    for build in CASES.values():
        assert build().to_json() == build().to_json()


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_case_lints_clean(name: str, linter: Linter) -> None:
    findings = [f for f in linter.lint(CASES[name]().to_json()) if f.severity in ("error", "warning")]
    assert findings == []


# --------------------------------------------------------------------------------------------- helpers


@pytest.fixture(params=[*sorted(CASES), "examples"])
def subjects(request: pytest.FixtureRequest) -> list[Subject]:
    """One golden case, or every example stack: (label, spec, rendered template parsed back)."""
    if request.param == "examples":
        stacks: list[Stack] = request.getfixturevalue("example_stacks")
        return [(f"example {s.name}", s, json.loads(s.to_json())) for s in stacks]
    stack = CASES[request.param]()
    return [(f"golden {request.param}", stack, json.loads(stack.to_json()))]


def _rendered(text: str) -> Any:
    """An ARN from the spec as the template writes it (Fn::Sub when it has placeholders)."""
    value = iam.value(text)
    return value if isinstance(value, str) else value.to_dict()


def _resources(t: Template) -> dict[str, Any]:
    resources: dict[str, Any] = t["Resources"]
    return resources


def _depends(resource: dict[str, Any]) -> list[str]:
    depends = resource.get("DependsOn", [])
    return [depends] if isinstance(depends, str) else list(depends)


def _walk(value: Any) -> Iterator[Any]:
    yield value
    if isinstance(value, dict):
        for v in value.values():
            yield from _walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v)


def _sub_variables(text: str) -> list[str]:
    return re.findall(r"\$\{([^}!][^}]*)\}", text)


def _references(value: Any) -> set[str]:
    """Logical ids a value refers to (Ref, GetAtt, Fn::Sub variables), pseudo parameters excluded."""
    found: set[str] = set()
    for node in _walk(value):
        if not isinstance(node, dict) or len(node) != 1:
            continue
        ((key, arg),) = node.items()
        if key == "Ref" and isinstance(arg, str):
            found.add(arg)
        elif key == "Fn::GetAtt":
            found.add(arg[0] if isinstance(arg, list) else arg.split(".", 1)[0])
        elif key == "Fn::Sub":
            text, local = (arg, {}) if isinstance(arg, str) else arg
            found.update(v.split(".", 1)[0] for v in _sub_variables(text) if v not in local)
    return found - PSEUDO


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    statements = document["Statement"]
    return [statements] if isinstance(statements, dict) else list(statements)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _identity_statements(t: Template) -> Iterator[tuple[str, dict[str, Any]]]:
    """Statements of every role's inline policies and every AWS::IAM::Policy."""
    for name, res in _resources(t).items():
        if res["Type"] == "AWS::IAM::Role":
            for policy in res["Properties"].get("Policies", []):
                for st in _statements(policy["PolicyDocument"]):
                    yield f"{name}/{policy['PolicyName']}", st
        elif res["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            for st in _statements(res["Properties"]["PolicyDocument"]):
                yield name, st


def _granted(t: Template, policy_ids: list[str], resource: Any) -> set[str]:
    """Actions the given policies (role names or policy ids) allow on exactly `resource`."""
    return {
        action
        for where, st in _identity_statements(t)
        if where.split("/")[0] in policy_ids and st["Effect"] == "Allow" and resource in _as_list(st["Resource"])
        for action in _as_list(st["Action"])
    }


# ---------------------------------------------------------------------------------- structural checks


def test_every_reference_resolves_and_there_is_no_cycle(subjects: list[Subject]) -> None:
    for label, _, t in subjects:
        resources = _resources(t)
        known = set(resources) | set(t.get("Parameters", {}))
        edges: dict[str, set[str]] = {}
        for name, res in resources.items():
            refs = _references(res) | set(_depends(res))
            assert refs <= known, f"{label}: {name} refers to unknown {sorted(refs - known)}"
            edges[name] = refs & set(resources)
        for output in t.get("Outputs", {}).values():
            assert _references(output) <= known, label
        for cond in t.get("Conditions", {}).values():
            assert _references(cond) <= set(t.get("Parameters", {})), label
        # Kahn's algorithm: every resource must be creatable in some order.
        remaining = dict(edges)
        while remaining:
            ready = [n for n, deps in remaining.items() if not deps & set(remaining)]
            assert ready, f"{label}: dependency cycle among {sorted(remaining)}"
            for n in ready:
                del remaining[n]


def test_every_logical_id_was_claimed_at_definition_time(subjects: list[Subject]) -> None:
    """Each id in the template is one the stack claimed (cfngen.names), so a new suffix cannot collide silently."""
    for label, stack, t in subjects:
        claimed = set(stack._names)
        for section in ("Resources", "Parameters", "Conditions"):
            unclaimed = sorted(set(t.get(section, {})) - claimed)
            assert not unclaimed, f"{label}: {section} {unclaimed} were not claimed when the stack was defined"
        unclaimed = sorted({f"Outputs.{key}" for key in t.get("Outputs", {})} - claimed)
        assert not unclaimed, f"{label}: {unclaimed} were not claimed when the stack was defined"


def test_every_mapping_depends_on_the_policy_that_grants_its_read(subjects: list[Subject]) -> None:
    for label, stack, t in subjects:
        resources = _resources(t)
        pulls = [tr for tr in stack.triggers if isinstance(tr, PullTrigger)]
        queues = [tr for tr in stack.triggers if isinstance(tr, SqsTrigger)]
        mappings = {n for n, r in resources.items() if r["Type"] == "AWS::Lambda::EventSourceMapping"}
        assert mappings == {f"{tr.name}Mapping" for tr in pulls + queues}, label  # type: ignore[operator]
        for qt in queues:
            mapping = resources[f"{qt.name}Mapping"]
            policy_id = f"{qt.function.name}SourcesPolicy"
            assert policy_id in _depends(mapping), label
            props = mapping["Properties"]
            assert "StartingPosition" not in props, label
            needed = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
            assert needed <= _granted(t, [policy_id], props["EventSourceArn"]), label
        for tr in pulls:
            fn = tr.function.name
            mapping = resources[f"{tr.name}Mapping"]
            policy_id = f"{fn}SourcesPolicy"
            assert policy_id in _depends(mapping), f"{label}: {tr.name}Mapping does not depend on {policy_id}"
            policy = resources[policy_id]
            assert policy["Type"] == "AWS::IAM::Policy"
            assert policy["Properties"]["Roles"] == [{"Ref": f"{fn}Role"}]
            props = mapping["Properties"]
            assert props["FunctionName"] == ({"Ref": f"{fn}Function"} if tr.function.alias is None else _invoked(tr))
            assert props["StartingPosition"] == tr.starting_position
            granted = _granted(t, [policy_id], props["EventSourceArn"])
            if isinstance(tr.source, KinesisStream) and (tr.enhanced_fan_out or tr.source.given_consumer_arn):
                # Through a stream consumer: subscribe with it, and still read the stream's shards.
                assert {"kinesis:DescribeStreamConsumer", "kinesis:SubscribeToShard"} <= granted, label
                given = tr.source.given_arn
                stream = _rendered(given) if given else resources[f"{tr.name}Consumer"]["Properties"]["StreamARN"]
                granted = _granted(t, [policy_id], stream)
            service = "kinesis" if isinstance(tr.source, KinesisStream) else "dynamodb"
            needed = {f"{service}:{a}" for a in ("DescribeStream", "GetRecords", "GetShardIterator")}
            assert needed <= granted, f"{label}: {policy_id} lacks {sorted(needed - granted)}"
            if tr.on_failure_arn is not None:
                destination = props["DestinationConfig"]["OnFailure"]["Destination"]
                action = "sqs:SendMessage" if ":sqs:" in tr.on_failure_arn else "sns:Publish"
                assert action in _granted(t, [policy_id], destination), label
            else:
                assert "DestinationConfig" not in props


def test_every_mapping_is_enabled_through_its_parameter(subjects: list[Subject]) -> None:
    for label, stack, t in subjects:
        for tr in (tr for tr in stack.triggers if isinstance(tr, (PullTrigger, SqsTrigger))):
            mapping = _resources(t)[f"{tr.name}Mapping"]
            param = f"{tr.name}Enabled"
            enabled = mapping["Properties"]["Enabled"]
            assert list(enabled) == ["Fn::If"], f"{label}: {tr.name}Mapping Enabled is {enabled}"
            condition, when_true, when_false = enabled["Fn::If"]
            assert (when_true, when_false) == (True, False), label
            assert t["Conditions"][condition] == {"Fn::Equals": [{"Ref": param}, "true"]}, label
            assert {"Ref": param} in mapping["Metadata"].values(), f"{label}: Metadata does not Ref {param}"
            parameter = t["Parameters"][param]
            assert parameter["Type"] == "String"
            assert sorted(parameter["AllowedValues"]) == ["false", "true"]
            assert parameter["Default"] == ("true" if tr.enabled else "false"), label


def test_s3_push_has_no_cycle_and_a_scoped_permission(subjects: list[Subject]) -> None:
    for label, stack, t in subjects:
        resources = _resources(t)
        for bucket in (s for s in stack.sources if isinstance(s, S3Bucket) and not s.existing):
            res = resources[f"{bucket.ident}Bucket"]
            name = res["Properties"]["BucketName"]
            if bucket.bucket_name is None:
                # Follows the stack it is deployed as (its id), not the stack name in the spec.
                text, variables = name["Fn::Sub"]
                assert text.endswith("-${AWS::AccountId}-${AWS::Region}") and "{AWS::StackName}" not in text, label
                assert '"AWS::StackId"' in json.dumps(variables), label
                arn: Any = {"Fn::Sub": [f"arn:${{AWS::Partition}}:s3:::{text}", variables]}
            else:
                literal = "${" not in bucket.bucket_name  # a needless Fn::Sub is lint warning W1020
                assert name == (bucket.bucket_name if literal else {"Fn::Sub": bucket.bucket_name}), label
                arn = {"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::{bucket.bucket_name}"}
            triggers = [tr for tr in stack.triggers if isinstance(tr, S3Trigger) and tr.source is bucket]
            for tr in triggers:
                permission_id = f"{tr.name}Permission"
                assert permission_id in _depends(res), f"{label}: {bucket.ident}Bucket must wait for {permission_id}"
                permission = resources[permission_id]["Properties"]
                assert permission["SourceArn"] == arn, label
                assert f"{bucket.ident}Bucket" not in _references(permission), f"{label}: {permission_id} refs bucket"
                assert permission["SourceAccount"] == {"Ref": "AWS::AccountId"}, label
                assert permission["Principal"] == "s3.amazonaws.com"
                assert permission["Action"] == "lambda:InvokeFunction"
                assert permission["FunctionName"] == _invoked(tr)
            wanted = sorted((event, tr.function.name, tr.prefix, tr.suffix) for tr in triggers for event in tr.events)
            configs = res["Properties"].get("NotificationConfiguration", {}).get("LambdaConfigurations", [])
            got = []
            for c in configs:
                rules = {r["Name"]: r["Value"] for r in c.get("Filter", {}).get("S3Key", {}).get("Rules", [])}
                invoked = c["Function"].get("Fn::GetAtt", [c["Function"].get("Ref")])[0]
                got.append((c["Event"], invoked.removesuffix("Function").removesuffix("Alias"),
                            rules.get("prefix"), rules.get("suffix")))  # fmt: skip
            assert sorted(got) == wanted, label
        for tr in (tr for tr in stack.triggers if isinstance(tr, S3Trigger) and tr.source.existing
                   and tr.via == "s3"):  # fmt: skip
            permission = resources[f"{tr.name}Permission"]
            assert tr.source.bucket_name is not None
            assert permission["Properties"]["SourceArn"] == {
                "Fn::Sub": f"arn:${{AWS::Partition}}:s3:::{tr.source.bucket_name}"
            }
            assert permission["Properties"]["SourceAccount"] == {"Ref": "AWS::AccountId"}
            note = json.dumps(permission["Metadata"])
            assert "cannot add a notification" in note and all(e in note for e in tr.events), label
            assert any(n.startswith(f"{tr.name}: ") and tr.source.bucket_name in n for n in notes(stack)), label
            assert not any(
                r["Type"] == "AWS::S3::Bucket"
                and tr.source.bucket_name in json.dumps(r["Properties"].get("BucketName"))
                for r in resources.values()
            )


def test_created_buckets_are_private_encrypted_and_tls_only(subjects: list[Subject]) -> None:
    for label, stack, t in subjects:
        resources = _resources(t)
        for bucket in (s for s in stack.sources if isinstance(s, S3Bucket) and not s.existing):
            props = resources[f"{bucket.ident}Bucket"]["Properties"]
            assert set(props["PublicAccessBlockConfiguration"].values()) == {True}, label
            assert len(props["PublicAccessBlockConfiguration"]) == 4
            assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"], label
            assert ("VersioningConfiguration" in props) == bucket.versioning
            policy = resources[f"{bucket.ident}BucketPolicy"]["Properties"]
            assert policy["Bucket"] == {"Ref": f"{bucket.ident}Bucket"}
            (deny,) = _statements(policy["PolicyDocument"])
            assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_sns_push_permission_and_subscription_name_the_same_topic(subjects: list[Subject]) -> None:
    for label, stack, t in subjects:
        resources = _resources(t)
        for tr in (tr for tr in stack.triggers if isinstance(tr, SnsTrigger)):
            fn_arn = _invoked(tr)
            topic: Any = {"Ref": f"{tr.source.ident}Topic"} if not tr.source.existing else tr.source.given_arn
            if isinstance(topic, str) and "${" in topic:
                topic = {"Fn::Sub": topic}
            permission = resources[f"{tr.name}Permission"]["Properties"]
            subscription = resources[f"{tr.name}Subscription"]["Properties"]
            assert permission["SourceArn"] == topic == subscription["TopicArn"], label
            assert permission["Principal"] == "sns.amazonaws.com"
            assert permission["FunctionName"] == fn_arn == subscription["Endpoint"]
            assert subscription["Protocol"] == "lambda"
            assert subscription.get("FilterPolicy") == tr.filter_policy
            assert subscription.get("FilterPolicyScope") == tr.filter_policy_scope
            if "Region" in subscription:
                region = subscription["Region"]
                assert REGION.fullmatch(region), f"{label}: {tr.name}Subscription has Region {region!r}"
                assert tr.source.given_arn is not None and f":sns:{region}:" in tr.source.given_arn, label


def test_functions_follow_their_spec(subjects: list[Subject]) -> None:
    for label, stack, t in subjects:
        resources = _resources(t)
        for fn in stack.functions:
            n = fn.name
            props = resources[f"{n}Function"]["Properties"]
            assert props["Code"] == {"S3Bucket": {"Ref": f"{n}CodeBucket"}, "S3Key": {"Ref": f"{n}CodeKey"}}
            assert {t["Parameters"][p]["Type"] for p in (f"{n}CodeBucket", f"{n}CodeKey")} == {"String"}
            assert (props["Handler"], props["Runtime"]) == (fn.handler, fn.runtime)
            assert (props["MemorySize"], props["Timeout"]) == (fn.memory, fn.timeout)
            assert props["Architectures"] == [fn.architecture]
            assert props["Role"] == {"Fn::GetAtt": [f"{n}Role", "Arn"]}
            variables = props.get("Environment", {}).get("Variables", {})
            written = {k: v if isinstance(v, str) else v.text.replace("${!", "${") for k, v in fn.environment.items()}
            assert {k: _as_written(v) for k, v in variables.items()} == written, label
            for k, v in variables.items():  # pseudo parameters are resolved, not shipped literally
                value = fn.environment[k]  # a reference resolves when it names something (an existing name does not)
                resolved = "${AWS::" in value if isinstance(value, str) else bool(re.search(r"\$\{(?!!)", value.text))
                assert isinstance(v, dict) == resolved, f"{label}: {k}={v}"
            assert props["LoggingConfig"] == {"LogGroup": {"Ref": f"{n}LogGroup"}}
            log_group = resources[f"{n}LogGroup"]["Properties"]
            assert log_group["RetentionInDays"] == fn.log_retention_days, label
            log_group_arn = {"Fn::GetAtt": [f"{n}LogGroup", "Arn"]}
            assert {"logs:CreateLogStream", "logs:PutLogEvents"} <= _granted(t, [f"{n}Role"], log_group_arn)
            if fn.dead_letter_arn is not None:
                target = props["DeadLetterConfig"]["TargetArn"]
                action = "sqs:SendMessage" if ":sqs:" in fn.dead_letter_arn else "sns:Publish"
                assert action in _granted(t, [f"{n}Role"], target), label
            assert ("TracingConfig" in props) == (fn.tracing is not None)
            assert len(props.get("Layers", [])) == len(fn.layers)
            trust = _statements(resources[f"{n}Role"]["Properties"]["AssumeRolePolicyDocument"])
            assert trust == [
                {"Action": ["sts:AssumeRole"], "Effect": "Allow", "Principal": {"Service": ["lambda.amazonaws.com"]}}
            ], label


def _as_written(value: Any) -> str:
    """An environment value as the spec wrote it: a string, or an Fn::Sub whose ${!x} reads back as ${x}; a
    reference's Ref / Fn::GetAtt / Fn::Sub as its Fn::Sub text (definitions/refs.py)."""
    if isinstance(value, str):
        return value
    if list(value) == ["Ref"]:
        return f"${{{value['Ref']}}}"
    if list(value) == ["Fn::GetAtt"]:
        return "${" + ".".join(value["Fn::GetAtt"]) + "}"
    assert list(value) == ["Fn::Sub"], value
    sub = value["Fn::Sub"]
    text: str = sub if isinstance(sub, str) else sub[0]
    assert isinstance(sub, str) or set(sub[1]) == {"StackIdHead"}, value
    return text.replace("${!", "${")


def _scoped(resource: Any) -> bool:
    if isinstance(resource, str):
        return resource.startswith("arn:")
    return isinstance(resource, dict) and len(resource) == 1 and next(iter(resource)) in INTRINSICS


def test_iam_is_least_privilege(subjects: list[Subject]) -> None:
    for label, _, t in subjects:
        for where, st in _identity_statements(t):
            actions = _as_list(st["Action"])
            assert not [a for a in actions if "*" in a], f"{label}: {where} grants wildcard actions {actions}"
            for resource in _as_list(st["Resource"]):
                if resource == "*":  # only actions IAM cannot scope (X-Ray writes, EC2 describes for a VPC)
                    scopable = [a for a in actions if awsdata.action_takes_resources(a)]
                    assert not scopable, f"{label}: {where} grants {scopable} on *"
                else:
                    assert _scoped(resource), f"{label}: {where} has unscoped resource {resource!r}"
        for name, res in _resources(t).items():
            if res["Type"] != "AWS::S3::BucketPolicy":
                continue
            for st in _statements(res["Properties"]["PolicyDocument"]):
                wild = [a for a in _as_list(st["Action"]) if "*" in a]
                # The one wildcard allowed: refusing every S3 action over plain HTTP.
                if wild:
                    assert wild == ["s3:*"] and st["Effect"] == "Deny", f"{label}: {name} {st}"
                    assert st["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_every_sub_variable_is_a_placeholder_or_in_the_template(subjects: list[Subject]) -> None:
    for label, _, t in subjects:
        known = set(_resources(t)) | set(t.get("Parameters", {})) | PSEUDO
        for node in _walk(t):
            if isinstance(node, dict) and set(node) == {"Fn::Sub"}:
                arg = node["Fn::Sub"]
                text, local = (arg, {}) if isinstance(arg, str) else arg
                for variable in _sub_variables(text):
                    assert variable.split(".", 1)[0] in known | set(local), f"{label}: unknown ${{{variable}}}"


def test_golden_cases_cover_every_concern() -> None:
    """Guards the structural tests above against passing vacuously."""
    stacks = [build() for build in CASES.values()]
    triggers = [tr for s in stacks for tr in s.triggers]
    pulls = [tr for tr in triggers if isinstance(tr, PullTrigger)]
    assert {tr.enabled for tr in pulls} == {True, False}
    assert {type(tr.source) for tr in pulls} == {KinesisStream, DynamoDBTable}
    assert {tr.source.existing for tr in pulls} == {True, False}
    assert {tr.source.existing for tr in triggers if isinstance(tr, S3Trigger)} == {True, False}
    assert {tr.source.existing for tr in triggers if isinstance(tr, SnsTrigger)} == {True, False}
    assert any(tr.on_failure_arn for tr in pulls) and any(tr.starting_timestamp for tr in pulls)
    consumers = [tr for tr in pulls if isinstance(tr.source, KinesisStream) and tr.source.given_consumer_arn]
    assert any(tr.enhanced_fan_out for tr in pulls) and consumers
    assert any(len([tr for tr in s.triggers if isinstance(tr, S3Trigger)]) > 1 for s in stacks)
    assert any(fn.policies and fn.tracing == "Active" and fn.dead_letter_arn for s in stacks for fn in s.functions)
    assert any(not s.functions for s in stacks)
    created = [s for stack in stacks for s in stack.sources if isinstance(s, S3Bucket) and not s.existing]
    assert {s.bucket_name is None for s in created} == {True, False}
    assert any(s.bucket_name and "${" not in s.bucket_name for s in created)
    assert any(tr.source.bucket_name for tr in triggers if isinstance(tr, S3Trigger) and not tr.source.existing)
    values = [v for s in stacks for fn in s.functions for v in fn.environment.values()]
    assert any("${AWS::" in v for v in values) and any("${" in v and "${AWS::" not in v for v in values)


def test_queues_are_encrypted_tls_only_and_outlive_their_consumers(subjects: list[Subject]) -> None:
    """Every created queue: encrypted, in a TLS-only policy, a visibility timeout >= each consumer's timeout (6x the
    longest by default), a dead-letter queue with the redrive count unless max_receive_count=None."""
    for label, stack, t in subjects:
        resources = _resources(t)
        for q in (s for s in stack.sources if isinstance(s, SqsQueue) and not s.existing):
            props = resources[f"{q.ident}Queue"]["Properties"]
            queues = [f"{q.ident}Queue"] + ([f"{q.ident}DeadLetterQueue"] if q.max_receive_count else [])
            for qid in queues:
                p = resources[qid]["Properties"]
                assert p.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in p, f"{label}: {qid} unencrypted"
                assert p.get("FifoQueue", False) == q.fifo, label
            policy = resources[f"{q.ident}QueuePolicy"]["Properties"]
            assert policy["Queues"] == [{"Ref": qid} for qid in queues], label
            (deny,) = _statements(policy["PolicyDocument"])
            assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            assert deny["Resource"] == [{"Fn::GetAtt": [qid, "Arn"]} for qid in queues], label
            consumers = [tr.function.timeout for tr in stack.triggers if isinstance(tr, SqsTrigger) and tr.source is q]
            wanted = q.visibility_timeout if q.visibility_timeout is not None else 6 * max(consumers, default=5)
            assert props["VisibilityTimeout"] == wanted and all(wanted >= c for c in consumers), label
            if q.max_receive_count:
                assert props["RedrivePolicy"] == {
                    "deadLetterTargetArn": {"Fn::GetAtt": [f"{q.ident}DeadLetterQueue", "Arn"]},
                    "maxReceiveCount": q.max_receive_count,
                }, label
            else:
                assert "RedrivePolicy" not in props, label


def test_rule_targets_have_a_permission_scoped_to_their_rule(subjects: list[Subject]) -> None:
    for label, stack, t in subjects:
        resources = _resources(t)
        rules = [tr for tr in stack.triggers if isinstance(tr, RuleTrigger)]
        routes = [tr for tr in stack.triggers if isinstance(tr, S3Trigger) and tr.via == "eventbridge"]
        for tr in rules:
            rule = resources[f"{tr.source.ident}Rule"]
            fn_arn = _invoked(tr)
            (target,) = [x for x in rule["Properties"]["Targets"] if x["Arn"] == fn_arn]
            assert target["Id"] == tr.function.name and target.get("Input") == tr.input, label
            permission = resources[f"{tr.name}Permission"]["Properties"]
            assert permission == {
                "Action": "lambda:InvokeFunction",
                "FunctionName": fn_arn,
                "Principal": "events.amazonaws.com",
                "SourceArn": {"Fn::GetAtt": [f"{tr.source.ident}Rule", "Arn"]},
            }, label
            state = rule["Properties"]["State"]
            assert state == {"Fn::If": [f"{tr.source.ident}IsEnabled", "ENABLED", "DISABLED"]}, label
            assert rule["Metadata"]["cfngen:enabled"] == {"Ref": f"{tr.source.ident}Enabled"}, label
        permissions = {n for n, r in resources.items() if r["Type"] == "AWS::Lambda::Permission"
                       and r["Properties"]["Principal"] == "events.amazonaws.com"}  # fmt: skip
        assert permissions == {f"{tr.name}Permission" for tr in [*rules, *routes]}, label
        for route in routes:  # an existing bucket's events through EventBridge: the same scoping
            permission = resources[f"{route.name}Permission"]["Properties"]
            assert permission["SourceArn"] == {"Fn::GetAtt": [f"{route.name}Rule", "Arn"]}, label
            rule = resources[f"{route.name}Rule"]
            assert "EventBusName" not in rule["Properties"], label  # S3 sends to the default bus
            assert rule["Metadata"]["cfngen:enabled"] == {"Ref": f"{route.name}Enabled"}, label
