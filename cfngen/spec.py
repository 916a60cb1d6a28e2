"""Stack definitions: the objects users build in stacks/*.py, validated as they are built.

Every mistake is a SpecError naming the stack file, stack, resource, field, the bad value and what is
allowed, raised at definition time so nothing downstream (build, deploy) sees an invalid spec. This
module is pure data: no troposphere, no AWS.
"""

from __future__ import annotations

import difflib
import json
import math
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from cfngen import awsdata, names
from cfngen.errors import SpecError

if TYPE_CHECKING:
    from troposphere import Template

STACK_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,127}")
RESOURCE_NAME = re.compile(r"[A-Z][A-Za-z0-9]{0,63}")
PLACEHOLDERS = ("${AWS::Region}", "${AWS::AccountId}", "${AWS::Partition}")

_PARTITION = r"(?:aws[a-z-]*|\$\{AWS::Partition\})"
_REGION = r"(?:[a-z]{2}(?:-[a-z]+)+-\d|\$\{AWS::Region\})"
_ACCOUNT = r"(?:\d{12}|\$\{AWS::AccountId\})"
_ARN = {
    "kinesis": re.compile(rf"arn:{_PARTITION}:kinesis:{_REGION}:{_ACCOUNT}:stream/[A-Za-z0-9_.-]{{1,128}}"),
    "dynamodb": re.compile(
        rf"arn:{_PARTITION}:dynamodb:{_REGION}:{_ACCOUNT}:table/[A-Za-z0-9_.-]{{3,255}}/stream/[A-Za-z0-9:._-]+"
    ),
    "sns": re.compile(rf"arn:{_PARTITION}:sns:{_REGION}:{_ACCOUNT}:[A-Za-z0-9_-]{{1,256}}"),
    "sqs": re.compile(rf"arn:{_PARTITION}:sqs:{_REGION}:{_ACCOUNT}:[A-Za-z0-9_-]{{1,80}}(?:\.fifo)?"),
    "layer": re.compile(rf"arn:{_PARTITION}:lambda:{_REGION}:{_ACCOUNT}:layer:[A-Za-z0-9_-]{{1,140}}:\d+"),
}
BUCKET_NAME = re.compile(r"(?!xn--|sthree-)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")

LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
S3_EVENTS = (
    "s3:ObjectCreated:*",
    "s3:ObjectCreated:Put",
    "s3:ObjectCreated:Post",
    "s3:ObjectCreated:Copy",
    "s3:ObjectCreated:CompleteMultipartUpload",
    "s3:ObjectRemoved:*",
    "s3:ObjectRemoved:Delete",
    "s3:ObjectRemoved:DeleteMarkerCreated",
    "s3:ObjectRestore:*",
    "s3:ObjectRestore:Post",
    "s3:ObjectRestore:Completed",
    "s3:ObjectRestore:Delete",
    "s3:ReducedRedundancyLostObject",
    "s3:Replication:*",
    "s3:Replication:OperationFailedReplication",
    "s3:Replication:OperationMissedThreshold",
    "s3:Replication:OperationReplicatedAfterThreshold",
    "s3:Replication:OperationNotTracked",
    "s3:LifecycleExpiration:*",
    "s3:LifecycleExpiration:Delete",
    "s3:LifecycleExpiration:DeleteMarkerCreated",
    "s3:LifecycleTransition",
    "s3:IntelligentTiering",
    "s3:ObjectTagging:*",
    "s3:ObjectTagging:Put",
    "s3:ObjectTagging:Delete",
    "s3:ObjectAcl:Put",
)
RESERVED_ENV = re.compile(r"_HANDLER|_X_AMZN_TRACE_ID|AWS_.*|LAMBDA_TASK_ROOT|LAMBDA_RUNTIME_DIR|TZ")
STREAM_VIEWS = ("NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY")
STARTING_POSITIONS = ("LATEST", "TRIM_HORIZON", "AT_TIMESTAMP")
KEY_TYPES = ("S", "N", "B")

T = TypeVar("T")


@dataclass(frozen=True)
class _Where:
    """Where a check runs, so every SpecError says stack file, stack, resource and field."""

    stack: Stack
    resource: str | None = None

    def fail(self, fld: str | None, message: str, hint: str | None = None) -> SpecError:
        return SpecError(
            message,
            stack=self.stack.name,
            resource=self.resource,
            field=fld,
            file=self.stack.file_label,
            hint=hint,
        )

    def int_range(self, fld: str, value: object, lo: int, hi: int, *, also: Sequence[int] = ()) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(fld, f"{value!r} is not a whole number; allowed: {lo} to {hi}")
        if not (lo <= value <= hi or value in also):
            extra = "".join(f" or {a}" for a in also)
            raise self.fail(fld, f"{value} is out of range; allowed: {lo} to {hi}{extra}")
        return value

    def choice(self, fld: str, value: T, allowed: Sequence[T]) -> T:
        if value not in allowed:
            near = difflib.get_close_matches(str(value), [str(a) for a in allowed], n=1)
            hint = f"did you mean {near[0]!r}?" if near else None
            raise self.fail(fld, f"{value!r} is not allowed; allowed: {', '.join(map(str, allowed))}", hint)
        return value

    def boolean(self, fld: str, value: object) -> bool:
        if not isinstance(value, bool):
            raise self.fail(fld, f"{value!r} is not allowed; allowed: True or False")
        return value

    def text(
        self,
        fld: str,
        value: object,
        *,
        max_len: int,
        pattern: re.Pattern[str] | None = None,
        allowed: str = "",
    ) -> str:
        if not isinstance(value, str) or not value or len(value) > max_len:
            raise self.fail(fld, f"{value!r} is not allowed; allowed: a string of 1 to {max_len} characters")
        if pattern is not None and not pattern.fullmatch(value):
            raise self.fail(fld, f"{value!r} is not allowed; allowed: {allowed or pattern.pattern}")
        return value

    def arn(self, fld: str, value: object, kinds: Sequence[str]) -> str:
        if isinstance(value, str):
            _check_placeholders(self, fld, value)
            if any(_ARN[k].fullmatch(value) for k in kinds):
                return value
        shapes = {
            "kinesis": "arn:aws:kinesis:REGION:ACCOUNT:stream/NAME",
            "dynamodb": "arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL",
            "sns": "arn:aws:sns:REGION:ACCOUNT:NAME",
            "sqs": "arn:aws:sqs:REGION:ACCOUNT:NAME",
            "layer": "arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION",
        }
        raise self.fail(
            fld,
            f"{value!r} is not a valid ARN; allowed: {' or '.join(shapes[k] for k in kinds)}",
            hint=f"REGION, ACCOUNT and the partition may be written {', '.join(PLACEHOLDERS)}",
        )


def _check_placeholders(where: _Where, fld: str, value: str) -> None:
    for found in re.findall(r"\$\{[^}]*\}", value):
        if found not in PLACEHOLDERS:
            raise where.fail(
                fld, f"placeholder {found} in {value!r} is not supported; allowed: {', '.join(PLACEHOLDERS)}"
            )


def _reject_unknown(where: _Where, given: Mapping[str, object], allowed: Iterable[str], what: str) -> None:
    names = sorted(allowed)
    for key, value in given.items():
        if key not in names and (value is not None or key not in OPTION_NAMES):
            near = difflib.get_close_matches(key, names, n=1)
            raise where.fail(
                key,
                f"is not an option of {what}; allowed: {', '.join(names)}",
                hint=f"did you mean {near[0]!r}?" if near else None,
            )


def _camel(text: str) -> str:
    """Readable logical-id part from a physical name: 'cfngen-demo-clicks' -> 'CfngenDemoClicks'."""
    parts = re.split(r"[^A-Za-z0-9]+", text)
    name = "".join(p[:1].upper() + p[1:] for p in parts if p)
    return name if name[:1].isalpha() else f"S{name}"


# --------------------------------------------------------------------------------------------- sources


@dataclass(eq=False)
class Source:
    """An event source: created by `stack` when it has one, else an existing resource named by ARN."""

    name: str
    stack: Stack | None

    kind: str = field(init=False, default="source")

    @property
    def existing(self) -> bool:
        return self.stack is None


@dataclass(eq=False)
class KinesisStream(Source):
    arn: str | None = None
    shards: int | None = None
    on_demand: bool = False
    retention_hours: int = 24
    stream_name: str | None = None
    kind: str = field(init=False, default="Kinesis stream")

    @classmethod
    def from_arn(cls, arn: str, name: str | None = None) -> KinesisStream:
        _check_existing_arn(arn, "kinesis", "KinesisStream.from_arn")
        return cls(name=_existing_name(name, arn.rsplit("/", 1)[-1]), stack=None, arn=arn)


@dataclass(eq=False)
class DynamoDBTable(Source):
    stream_arn: str | None = None
    partition_key: str = ""
    partition_key_type: str = "S"
    sort_key: str | None = None
    sort_key_type: str = "S"
    stream_view: str | None = None
    table_name: str | None = None
    retain: bool = True  # DeletionPolicy/UpdateReplacePolicy Retain: a stack delete never drops the data
    kind: str = field(init=False, default="DynamoDB table")

    @classmethod
    def from_stream_arn(cls, stream_arn: str, name: str | None = None) -> DynamoDBTable:
        _check_existing_arn(stream_arn, "dynamodb", "DynamoDBTable.from_stream_arn")
        table = stream_arn.split(":table/", 1)[-1].split("/", 1)[0]
        return cls(name=_existing_name(name, table), stack=None, stream_arn=stream_arn)


@dataclass(eq=False)
class SnsTopic(Source):
    arn: str | None = None
    kms_key: str | None = None
    display_name: str | None = None
    topic_name: str | None = None
    kind: str = field(init=False, default="SNS topic")

    @classmethod
    def from_arn(cls, arn: str, name: str | None = None) -> SnsTopic:
        _check_existing_arn(arn, "sns", "SnsTopic.from_arn")
        return cls(name=_existing_name(name, arn.rsplit(":", 1)[-1]), stack=None, arn=arn)


@dataclass(eq=False)
class S3Bucket(Source):
    versioning: bool = False
    bucket_name: str | None = None
    account: str | None = None  # the owner of an existing bucket, when not the stack's account
    kind: str = field(init=False, default="S3 bucket")

    @classmethod
    def from_name(cls, bucket_name: str, name: str | None = None, *, account: str | None = None) -> S3Bucket:
        """An existing bucket: the permission is emitted; its notification must be set where it is defined."""
        _check_bucket_name(bucket_name, lambda msg: SpecError(msg, resource="S3Bucket.from_name"))
        if account is not None and not (isinstance(account, str) and re.fullmatch(_ACCOUNT, account)):
            raise SpecError(f"account {account!r} is not allowed; allowed: 12 digits or ${{AWS::AccountId}}",
                            resource="S3Bucket.from_name", field="account")  # fmt: skip
        return cls(name=_existing_name(name, bucket_name), stack=None, bucket_name=bucket_name, account=account)


def _check_existing_arn(arn: object, kind: str, where: str) -> None:
    if not isinstance(arn, str) or not _ARN[kind].fullmatch(arn):
        raise SpecError(
            f"{arn!r} is not a valid {kind} ARN",
            resource=where,
            hint=f"placeholders allowed: {', '.join(PLACEHOLDERS)}",
        )
    for found in re.findall(r"\$\{[^}]*\}", arn):
        if found not in PLACEHOLDERS:
            raise SpecError(f"placeholder {found} is not supported; allowed: {', '.join(PLACEHOLDERS)}", resource=where)


def _existing_name(name: str | None, physical: str) -> str:
    chosen = name if name is not None else _camel(physical)
    if not isinstance(chosen, str) or not RESOURCE_NAME.fullmatch(chosen):
        raise SpecError(
            f"name {chosen!r} is not allowed; allowed: a letter A-Z then up to 63 letters or digits",
            resource=physical,
        )
    return chosen


def _check_bucket_name(name: object, fail: Any) -> str:
    # The longest name any region gives: the account is 12 digits, region names stay within 16 characters.
    sample = (
        name.replace("${AWS::AccountId}", "123456789012").replace("${AWS::Region}", "ap-southeast-777")
        if isinstance(name, str)
        else name
    )
    if not isinstance(sample, str) or not BUCKET_NAME.fullmatch(sample) or ".." in sample:
        raise fail(
            f"bucket name {name!r} is not valid; allowed: 3-63 lower-case letters, digits, '.' or '-', "
            "starting and ending with a letter or digit"
        )
    if isinstance(name, str) and "${AWS::Partition}" in name:
        raise fail("bucket names cannot contain ${AWS::Partition}")
    return sample


# -------------------------------------------------------------------------------------------- triggers


@dataclass(eq=False)
class PullTrigger:
    """An event source mapping: Lambda polls a Kinesis or DynamoDB stream."""

    function: Function
    source: KinesisStream | DynamoDBTable
    starting_position: str
    starting_timestamp: float | None = None
    batch_size: int | None = None
    batching_window_seconds: int | None = None
    enabled: bool = True
    bisect_on_error: bool | None = None
    max_retries: int | None = None
    max_record_age_seconds: int | None = None
    parallelization_factor: int | None = None
    on_failure_arn: str | None = None
    filter_patterns: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The mapping's name for `cfngen enable/disable`, and the stem of its logical ids."""
        return f"{self.function.name}{self.source.name}"


@dataclass(eq=False)
class SnsTrigger:
    function: Function
    source: SnsTopic
    filter_policy: Mapping[str, Any] | None = None
    filter_policy_scope: str | None = None

    @property
    def name(self) -> str:
        return f"{self.function.name}{self.source.name}"


@dataclass(eq=False)
class S3Trigger:
    function: Function
    source: S3Bucket
    events: tuple[str, ...] = ("s3:ObjectCreated:*",)
    prefix: str | None = None
    suffix: str | None = None

    @property
    def name(self) -> str:
        return f"{self.function.name}{self.source.name}"


Trigger = PullTrigger | SnsTrigger | S3Trigger

PULL_OPTIONS = (
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
)
SNS_OPTIONS = ("filter_policy", "filter_policy_scope")
S3_OPTIONS = ("events", "prefix", "suffix")
OPTION_NAMES = frozenset((*PULL_OPTIONS, *SNS_OPTIONS, *S3_OPTIONS))
FUNCTION_OPTIONS = (
    "code",
    "handler",
    "runtime",
    "memory",
    "timeout",
    "architecture",
    "environment",
    "description",
    "reserved_concurrency",
    "log_retention_days",
    "policies",
    "tracing",
    "dead_letter_arn",
    "layers",
)


# ------------------------------------------------------------------------------------------- function


@dataclass(eq=False)
class Function:
    stack: Stack
    name: str
    code: Path
    handler: str
    runtime: str
    memory: int = 128
    timeout: int = 3
    architecture: Literal["x86_64", "arm64"] = "x86_64"
    environment: Mapping[str, str] = field(default_factory=dict)
    description: str | None = None
    reserved_concurrency: int | None = None
    log_retention_days: int = 30
    policies: tuple[Mapping[str, Any], ...] = ()
    tracing: str | None = None
    dead_letter_arn: str | None = None
    layers: tuple[str, ...] = ()
    triggers: list[Trigger] = field(default_factory=list)

    def add_event_source(
        self,
        source: Source,
        *,
        starting_position: str | None = None,
        starting_timestamp: float | None = None,
        batch_size: int | None = None,
        batching_window_seconds: int | None = None,
        enabled: bool | None = None,
        bisect_on_error: bool | None = None,
        max_retries: int | None = None,
        max_record_age_seconds: int | None = None,
        parallelization_factor: int | None = None,
        on_failure_arn: str | None = None,
        filter_patterns: Sequence[Mapping[str, Any]] | None = None,
        filter_policy: Mapping[str, Any] | None = None,
        filter_policy_scope: str | None = None,
        events: Sequence[str] | None = None,
        prefix: str | None = None,
        suffix: str | None = None,
        **unknown: Any,
    ) -> Trigger:
        """Wire `source` to this function: a mapping for streams, permission + subscription for push."""
        options = {k: v for k, v in locals().items() if k not in ("self", "source", "unknown")}
        stack = self.stack
        stack._check_open()
        _reject_unknown(
            _Where(stack, self.name), unknown, [*PULL_OPTIONS, *SNS_OPTIONS, *S3_OPTIONS], "add_event_source"
        )
        if not isinstance(source, (KinesisStream, DynamoDBTable, SnsTopic, S3Bucket)):
            raise _Where(stack, self.name).fail(
                "source",
                f"{source!r} is not an event source; allowed: KinesisStream, DynamoDBTable, "
                "SnsTopic, S3Bucket (from stack.kinesis_stream(...) etc. or .from_arn(...))",
            )
        where = _Where(stack, f"{self.name}<-{source.name}")
        if source.stack is not None and source.stack is not stack:
            raise where.fail(
                "source",
                f"{source.kind} {source.name} belongs to stack {source.stack.name}",
                hint="refer to it with .from_arn(...) / .from_name(...)",
            )
        if any(t.source is source for t in self.triggers):
            raise where.fail("source", f"{source.kind} {source.name} is already a source of {self.name}")
        trigger: Trigger
        if isinstance(source, (KinesisStream, DynamoDBTable)):
            _reject_unknown(where, options, PULL_OPTIONS, f"a {source.kind} source")
            trigger = _pull_trigger(where, self, source, options)
        elif isinstance(source, SnsTopic):
            _reject_unknown(where, options, SNS_OPTIONS, "an SNS topic source")
            trigger = _sns_trigger(where, self, source, filter_policy, filter_policy_scope)
        else:
            _reject_unknown(where, options, S3_OPTIONS, "an S3 bucket source")
            trigger = _s3_trigger(where, self, source, events, prefix, suffix)
        stack._adopt(source)
        kind = {PullTrigger: "pull", SnsTrigger: "sns-push", S3Trigger: "s3-push"}[type(trigger)]
        stack._claim(kind, trigger.name, f"the trigger {source.name} -> {self.name}", where, bare=False)
        self.triggers.append(trigger)
        return trigger


def _pull_trigger(where: _Where, fn: Function, source: KinesisStream | DynamoDBTable, o: dict[str, Any]) -> PullTrigger:
    is_kinesis = isinstance(source, KinesisStream)
    if isinstance(source, DynamoDBTable) and source.stack is not None and source.stream_view is None:
        raise where.fail(
            "stream_view",
            f"table {source.name} has no stream, so it cannot be an event source",
            hint=f"give dynamodb_table(..., stream_view=...) one of {', '.join(STREAM_VIEWS)}",
        )
    if o["starting_position"] is None:
        raise where.fail(
            "starting_position",
            "is required for a stream source; allowed: "
            + ", ".join(STARTING_POSITIONS if is_kinesis else STARTING_POSITIONS[:2]),
        )
    position = where.choice(
        "starting_position",
        o["starting_position"],
        STARTING_POSITIONS if is_kinesis else STARTING_POSITIONS[:2],
    )
    timestamp = o["starting_timestamp"]
    if (position == "AT_TIMESTAMP") != (timestamp is not None):
        raise where.fail(
            "starting_timestamp",
            "is required with starting_position='AT_TIMESTAMP' and allowed only with it; allowed: Unix time in seconds",
        )
    if timestamp is not None and (
        isinstance(timestamp, bool)
        or not isinstance(timestamp, (int, float))
        or not math.isfinite(timestamp)
        or timestamp < 0
    ):
        raise where.fail("starting_timestamp", f"{timestamp!r} is not allowed; allowed: Unix time in seconds")
    t = PullTrigger(fn, source, position, starting_timestamp=timestamp)
    if o["batch_size"] is not None:
        t.batch_size = where.int_range("batch_size", o["batch_size"], 1, 10000)
    if o["batching_window_seconds"] is not None:
        t.batching_window_seconds = where.int_range("batching_window_seconds", o["batching_window_seconds"], 0, 300)
    if o["enabled"] is not None:
        t.enabled = where.boolean("enabled", o["enabled"])
    if o["bisect_on_error"] is not None:
        t.bisect_on_error = where.boolean("bisect_on_error", o["bisect_on_error"])
    if o["max_retries"] is not None:
        t.max_retries = where.int_range("max_retries", o["max_retries"], -1, 10000)
    if o["max_record_age_seconds"] is not None:
        t.max_record_age_seconds = where.int_range(
            "max_record_age_seconds", o["max_record_age_seconds"], 60, 604800, also=(-1,)
        )
    if o["parallelization_factor"] is not None:
        t.parallelization_factor = where.int_range("parallelization_factor", o["parallelization_factor"], 1, 10)
    if o["on_failure_arn"] is not None:
        t.on_failure_arn = where.arn("on_failure_arn", o["on_failure_arn"], ("sqs", "sns"))
    if o["filter_patterns"] is not None:
        t.filter_patterns = _filter_patterns(where, o["filter_patterns"])
    return t


def _filter_patterns(where: _Where, patterns: object) -> tuple[str, ...]:
    if not isinstance(patterns, (list, tuple)) or not 1 <= len(patterns) <= 5:
        raise where.fail("filter_patterns", f"{patterns!r} is not allowed; allowed: a list of 1 to 5 dicts")
    out = []
    for p in patterns:
        if not isinstance(p, dict) or not p:
            raise where.fail(
                "filter_patterns",
                f"{p!r} is not allowed; allowed: a non-empty dict such as {{'data': {{'kind': ['order']}}}}",
            )
        text = _json(where, "filter_patterns", p)
        if len(text) > 4096:
            raise where.fail("filter_patterns", f"a pattern is {len(text)} characters; allowed: at most 4096")
        out.append(text)
    return tuple(out)


def _json(where: _Where, fld: str, value: object) -> str:
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise where.fail(
            fld, f"{value!r} is not JSON-serialisable ({exc}); allowed: dicts, lists, str, numbers, booleans"
        ) from exc


def _sns_trigger(where: _Where, fn: Function, source: SnsTopic, policy: object, scope: object) -> SnsTrigger:
    if policy is not None:
        if not isinstance(policy, dict) or not policy:
            raise where.fail(
                "filter_policy",
                f"{policy!r} is not allowed; allowed: a non-empty dict such as {{'severity': ['high']}}",
            )
        _json(where, "filter_policy", policy)
    if scope is not None:
        where.choice("filter_policy_scope", scope, ("MessageAttributes", "MessageBody"))
        if policy is None:
            raise where.fail("filter_policy_scope", "needs a filter_policy")
    return SnsTrigger(fn, source, policy, scope)  # type: ignore[arg-type]


def _s3_trigger(
    where: _Where, fn: Function, source: S3Bucket, events: object, prefix: object, suffix: object
) -> S3Trigger:
    chosen: tuple[str, ...] = ("s3:ObjectCreated:*",)
    if events is not None:
        if isinstance(events, str) or not isinstance(events, (list, tuple)) or not events:
            raise where.fail("events", f"{events!r} is not allowed; allowed: a non-empty list of S3 event names")
        chosen = tuple(where.choice("events", e, S3_EVENTS) for e in events)
        if len(set(chosen)) != len(chosen):
            raise where.fail("events", f"{list(chosen)} repeats an event; allowed: each event once")
    for fld, value in (("prefix", prefix), ("suffix", suffix)):
        if value is not None:
            where.text(fld, value, max_len=1024)
    for i, event in enumerate(chosen):
        if any(_events_overlap(event, other) for other in chosen[i + 1 :]):
            raise where.fail("events", f"{list(chosen)} overlap ({event}); allowed: events that do not include "
                             "each other, e.g. s3:ObjectCreated:* alone")  # fmt: skip
    trigger = S3Trigger(fn, source, chosen, prefix, suffix)  # type: ignore[arg-type]
    for other in fn.stack.triggers:
        if isinstance(other, S3Trigger) and other.source is source and _notifications_overlap(trigger, other):
            raise where.fail(
                "prefix",
                f"the notification overlaps {other.function.name}'s on {source.name} (same events, prefix/suffix "
                "that can match the same key); S3 refuses overlapping configurations",
                hint="give each function a distinct prefix or suffix, or distinct events",
            )
    return trigger


def _events_overlap(a: str, b: str) -> bool:
    return a == b or (a.endswith(":*") and b.startswith(a[:-1])) or (b.endswith(":*") and a.startswith(b[:-1]))


def _notifications_overlap(a: S3Trigger, b: S3Trigger) -> bool:
    pa, pb, sa, sb = a.prefix or "", b.prefix or "", a.suffix or "", b.suffix or ""
    keys = (pa.startswith(pb) or pb.startswith(pa)) and (sa.endswith(sb) or sb.endswith(sa))
    return keys and any(_events_overlap(x, y) for x in a.events for y in b.events)


# ---------------------------------------------------------------------------------------------- stack


class Stack:
    """One CloudFormation stack. Every module-level Stack in stacks/*.py is discovered by the CLI."""

    def __init__(self, name: str, description: str | None = None, *, base_dir: str | Path | None = None) -> None:
        caller = sys._getframe(1).f_globals.get("__file__")
        self.file: Path | None = Path(caller).resolve() if caller else None
        if base_dir is not None and not isinstance(base_dir, (str, Path)):
            raise SpecError(f"base_dir {base_dir!r} is not allowed; allowed: a path", file=self.file_label)
        self.base_dir = Path(base_dir) if base_dir is not None else (self.file.parent if self.file else Path.cwd())
        self.name = name
        if not isinstance(name, str) or not STACK_NAME.fullmatch(name):
            raise SpecError(
                f"stack name {name!r} is not allowed; allowed: a letter, then up to 127 letters, digits or '-'",
                file=self.file_label,
                field="name",
            )
        if description is not None:
            _Where(self).text("description", description, max_len=1024)
        self.description = description
        self.functions: list[Function] = []
        self.sources: list[Source] = []
        self._names: dict[str, str] = {}
        self._template: Template | None = None

    def __repr__(self) -> str:
        return f"Stack({self.name!r})"

    @property
    def file_label(self) -> str | None:
        if self.file is None:
            return None
        try:
            return str(self.file.relative_to(Path.cwd()))
        except ValueError:
            return str(self.file)

    @property
    def triggers(self) -> list[Trigger]:
        return [t for fn in self.functions for t in fn.triggers]

    # -- internals shared with Function

    def _check_open(self) -> None:
        if self._template is not None:
            raise SpecError(
                "the stack was already built by template()/to_json(); define every function "
                "and source before calling them",
                stack=self.name,
                file=self.file_label,
            )

    def _claim(self, kind: str, name: str, what: str, where: _Where, *, bare: bool = True) -> None:
        wanted = ([name] if bare else []) + names.ids(kind, name)
        for logical_id in wanted:
            if logical_id in self._names:
                clash = "" if logical_id == name else f" (both need the logical id {logical_id!r})"
                raise where.fail(
                    "name",
                    f"{name!r} clashes with {self._names[logical_id]}{clash}; allowed: a name unique in the stack",
                )
        for logical_id in wanted:
            self._names[logical_id] = what

    def _adopt(self, source: Source) -> None:
        """Existing sources join the stack's namespace when first used; created ones already did."""
        if source.stack is None and source not in self.sources:
            self._claim(
                "existing",
                source.name,
                f"the existing {source.kind} {source.name}",
                _Where(self, source.name),
            )
            self.sources.append(source)

    def _resource(self, kind: str, name: object, what: str) -> _Where:
        self._check_open()
        where = _Where(self, str(name))
        if not isinstance(name, str) or not RESOURCE_NAME.fullmatch(name):
            raise where.fail(
                "name",
                f"{name!r} is not allowed; allowed: a letter A-Z, then up to 63 letters or "
                "digits (it becomes part of CloudFormation logical ids)",
            )
        self._claim(kind, name, what, where)
        return where

    # -- the public API

    def function(
        self,
        name: str,
        *,
        code: str | Path,
        handler: str,
        runtime: str,
        memory: int = 128,
        timeout: int = 3,
        architecture: str = "x86_64",
        environment: Mapping[str, str] | None = None,
        description: str | None = None,
        reserved_concurrency: int | None = None,
        log_retention_days: int = 30,
        policies: Sequence[Mapping[str, Any]] = (),
        tracing: str | None = None,
        dead_letter_arn: str | None = None,
        layers: Sequence[str] = (),
        **unknown: Any,
    ) -> Function:
        """A Lambda function with its role, log group and code parameters."""
        _reject_unknown(_Where(self, str(name)), unknown, FUNCTION_OPTIONS, "stack.function")
        w = self._resource("function", name, f"the function {name}")
        available = awsdata.current_runtimes()
        if runtime not in available:
            known = awsdata.runtime_lifecycle().get(runtime) if isinstance(runtime, str) else None
            if known is not None:
                raise w.fail(
                    "runtime",
                    f"{runtime!r} is deprecated (since {known.deprecated}); allowed: {', '.join(available)}",
                    hint=f"use {known.successor}" if known.successor else None,
                )
            w.choice("runtime", runtime, available)
        fn = Function(
            self,
            name,
            _code_path(w, self.base_dir, code),
            handler=w.text(
                "handler",
                handler,
                max_len=128,
                pattern=re.compile(r"[^\s]+"),
                allowed="no spaces, e.g. app.handler",
            ),
            runtime=runtime,
            memory=w.int_range("memory", memory, 128, 10240),
            timeout=w.int_range("timeout", timeout, 1, 900),
            architecture=w.choice("architecture", architecture, ("x86_64", "arm64")),  # type: ignore[arg-type]
            environment=_environment(w, environment or {}),
            description=None if description is None else w.text("description", description, max_len=256),
            reserved_concurrency=None
            if reserved_concurrency is None
            else w.int_range("reserved_concurrency", reserved_concurrency, 0, 100000),
            log_retention_days=w.choice(
                "log_retention_days",
                _whole(w, "log_retention_days", log_retention_days, LOG_RETENTION_DAYS),
                LOG_RETENTION_DAYS,
            ),
            policies=_policies(w, policies),
            tracing=None if tracing is None else w.choice("tracing", tracing, ("Active", "PassThrough")),
            dead_letter_arn=None
            if dead_letter_arn is None
            else w.arn("dead_letter_arn", dead_letter_arn, ("sqs", "sns")),
            layers=_layers(w, layers),
        )
        self.functions.append(fn)
        return fn

    def kinesis_stream(
        self,
        name: str,
        *,
        shards: int | None = None,
        on_demand: bool = False,
        retention_hours: int = 24,
        stream_name: str | None = None,
    ) -> KinesisStream:
        """A Kinesis stream, encrypted with the AWS-managed key."""
        w = self._resource("kinesis", name, f"the Kinesis stream {name}")
        w.boolean("on_demand", on_demand)
        if on_demand and shards is not None:
            raise w.fail("shards", "cannot be set with on_demand=True; allowed: one of shards=N or on_demand=True")
        if not on_demand:
            w.int_range("shards", 1 if shards is None else shards, 1, 10000)
        w.int_range("retention_hours", retention_hours, 24, 8760)
        if stream_name is not None:
            w.text("stream_name", stream_name, max_len=128, pattern=re.compile(r"[A-Za-z0-9_.-]+"))
        return self._add(
            KinesisStream(
                name,
                self,
                shards=None if on_demand else (shards or 1),
                on_demand=on_demand,
                retention_hours=retention_hours,
                stream_name=stream_name,
            )
        )

    def dynamodb_table(
        self,
        name: str,
        *,
        partition_key: str,
        partition_key_type: str = "S",
        sort_key: str | None = None,
        sort_key_type: str = "S",
        stream_view: str | None = None,
        table_name: str | None = None,
        retain: bool = True,
    ) -> DynamoDBTable:
        """An on-demand table with point-in-time recovery and encryption; stream_view makes it a source."""
        w = self._resource("dynamodb", name, f"the DynamoDB table {name}")
        w.text("partition_key", partition_key, max_len=255)
        w.choice("partition_key_type", partition_key_type, KEY_TYPES)
        if sort_key is not None:
            w.text("sort_key", sort_key, max_len=255)
            if sort_key == partition_key:
                raise w.fail("sort_key", f"{sort_key!r} is the partition key; allowed: another attribute")
        w.choice("sort_key_type", sort_key_type, KEY_TYPES)
        if stream_view is not None:
            w.choice("stream_view", stream_view, STREAM_VIEWS)
        if table_name is not None:
            w.text("table_name", table_name, max_len=255, pattern=re.compile(r"[A-Za-z0-9_.-]{3,255}"))
        return self._add(
            DynamoDBTable(
                name,
                self,
                partition_key=partition_key,
                partition_key_type=partition_key_type,
                sort_key=sort_key,
                sort_key_type=sort_key_type,
                stream_view=stream_view,
                table_name=table_name,
                retain=w.boolean("retain", retain),
            )
        )

    def sns_topic(
        self,
        name: str,
        *,
        kms_key: str | None = None,
        display_name: str | None = None,
        topic_name: str | None = None,
    ) -> SnsTopic:
        """A standard SNS topic (Lambda cannot subscribe to FIFO topics)."""
        w = self._resource("sns", name, f"the SNS topic {name}")
        if kms_key is not None:
            w.text(
                "kms_key",
                kms_key,
                max_len=2048,
                pattern=re.compile(r"(alias/|arn:|[0-9a-f-]{36}$)\S+|[0-9a-f-]{36}"),
                allowed="a key id, key ARN, alias/NAME or alias ARN",
            )
        if display_name is not None:
            w.text("display_name", display_name, max_len=100)
        if topic_name is not None:
            w.text("topic_name", topic_name, max_len=256, pattern=re.compile(r"[A-Za-z0-9_-]+"))
        return self._add(SnsTopic(name, self, kms_key=kms_key, display_name=display_name, topic_name=topic_name))

    def s3_bucket(self, name: str, *, versioning: bool = False, bucket_name: str | None = None) -> S3Bucket:
        """A private, encrypted, TLS-only bucket. Its name is fixed at render time (see build.sources)."""
        w = self._resource("s3", name, f"the S3 bucket {name}")
        w.boolean("versioning", versioning)
        if bucket_name is not None:
            _check_bucket_name(bucket_name, lambda msg: w.fail("bucket_name", msg))
        # Generated bucket names are lower-case: "Uploads" and "UPLOADS" would get the same one.
        self._claim("physical", f"bucket {(bucket_name or name).lower()}", f"the S3 bucket {name}", w)
        return self._add(S3Bucket(name, self, versioning=versioning, bucket_name=bucket_name))

    def _add(self, source: T) -> T:
        assert isinstance(source, Source)
        self.sources.append(source)
        return source

    def template(self) -> Template:
        """The troposphere Template (built once; add extra resources to it before to_json())."""
        if self._template is None:
            from cfngen.build import build

            self._template = build(self)
        return self._template

    def to_json(self) -> str:
        """The canonical text `cfngen render` writes."""
        from cfngen.render import canonical_json

        return canonical_json(self.template())


def _whole(w: _Where, fld: str, value: object, allowed: Sequence[int]) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise w.fail(fld, f"{value!r} is not a whole number; allowed: {', '.join(map(str, allowed))}")
    return value


def _code_path(w: _Where, base: Path, code: object) -> Path:
    if not isinstance(code, (str, Path)) or not str(code):
        raise w.fail("code", f"{code!r} is not allowed; allowed: a directory or a .zip file")
    try:
        path = (base / code).resolve()
        exists = path.exists()
    except (OSError, ValueError) as exc:
        raise w.fail(
            "code", f"{str(code)!r} is not a usable path ({exc}); allowed: a directory or a .zip file"
        ) from exc
    if not exists:
        raise w.fail(
            "code",
            f"{str(code)!r} does not exist (looked in {path})",
            hint="code is relative to the stack file",
        )
    if path.is_file() and path.suffix != ".zip":
        raise w.fail("code", f"{str(code)!r} is a file but not a .zip; allowed: a directory or a .zip file")
    return path


def _environment(w: _Where, env: object) -> dict[str, str]:
    if not isinstance(env, Mapping):
        raise w.fail("environment", f"{env!r} is not allowed; allowed: a dict of str to str")
    for key, value in env.items():
        if not isinstance(key, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]+", key):
            raise w.fail("environment", f"key {key!r} is not allowed; allowed: a letter then letters, digits, _ "
                         "(2 characters at least)")  # fmt: skip
        if RESERVED_ENV.fullmatch(key):
            raise w.fail("environment", f"key {key!r} is reserved by Lambda; allowed: any other name")
        if not isinstance(value, str):
            raise w.fail("environment", f"value of {key} is {value!r}; allowed: a string")
    out = {k: env[k] for k in sorted(env)}
    if len(json.dumps(out)) > 4096:
        raise w.fail("environment", "is larger than 4 KB; allowed: at most 4 KB in all")
    return out


def _policies(w: _Where, policies: object) -> tuple[Mapping[str, Any], ...]:
    """Extra statements, held to the same least privilege as generated ones: no `*` or `service:*` actions,
    and a `*` resource only for actions that IAM cannot scope to a resource (per cfn-lint's IAM data)."""
    if isinstance(policies, (str, Mapping)) or not isinstance(policies, Sequence):
        raise w.fail("policies", f"{policies!r} is not allowed; allowed: a list of IAM statement dicts")
    return tuple(_statement(w, st) for st in policies)


def _statement(w: _Where, st: object) -> dict[str, Any]:
    shape = "{'Action': ['s3:GetObject'], 'Resource': ['arn:aws:s3:::bucket/*']}"
    if not isinstance(st, Mapping) or not all(isinstance(k, str) for k in st):
        raise w.fail("policies", f"{st!r} is not allowed; allowed: a dict like {shape}")
    _reject_unknown(w, st, ("Effect", "Action", "Resource", "Condition", "Sid"), "an IAM statement")
    if st.get("Effect", "Allow") not in ("Allow", "Deny"):
        raise w.fail("policies", f"Effect {st.get('Effect')!r} is not allowed; allowed: Allow, Deny")
    if "Sid" in st and not (isinstance(st["Sid"], str) and re.fullmatch(r"[A-Za-z0-9]+", st["Sid"])):
        raise w.fail("policies", f"Sid {st['Sid']!r} is not allowed; allowed: letters and digits")
    actions = st.get("Action")
    actions = [actions] if isinstance(actions, str) else actions
    if not isinstance(actions, (list, tuple)) or not actions:
        raise w.fail("policies", f"Action {st.get('Action')!r} is not allowed; allowed: a list like {shape}")
    for action in actions:
        if not isinstance(action, str) or not re.fullmatch(r"[a-z0-9-]+:[A-Za-z0-9*]+", action):
            raise w.fail("policies", f"action {action!r} is not allowed; allowed: service:Action")
        if action.endswith(":*"):
            raise w.fail(
                "policies",
                f"action {action!r} grants every action of the service; allowed: the actions the function needs",
                hint="least privilege: name each action",
            )
    resources = st.get("Resource")
    resources = [resources] if isinstance(resources, str) else resources
    if not isinstance(resources, (list, tuple)) or not resources or not all(isinstance(r, str) for r in resources):
        raise w.fail("policies", f"Resource {st.get('Resource')!r} is not allowed; allowed: a list of ARNs")
    for r in resources:
        _check_placeholders(w, "policies", r)
    if "*" in resources and st.get("Effect", "Allow") == "Allow":
        scoped = [a for a in actions if awsdata.action_takes_resources(a)]
        if scoped:
            raise w.fail(
                "policies",
                f"Resource '*' with {', '.join(scoped)}: these actions can be scoped; allowed: their exact ARNs",
                hint="'*' is accepted only for actions IAM cannot scope to a resource (e.g. xray:PutTraceSegments)",
            )
    out: dict[str, Any] = {"Effect": st.get("Effect", "Allow"), "Action": list(actions), "Resource": list(resources)}
    if "Condition" in st:
        out["Condition"] = _condition(w, st["Condition"])
    if "Sid" in st:
        out["Sid"] = st["Sid"]
    return out


def _condition(w: _Where, condition: object) -> dict[str, dict[str, Any]]:
    """{operator: {key: value(s)}}, operators as IAM spells them (StringEquals, ForAnyValue:StringLike...)."""
    import awacs.aws as aws

    if not isinstance(condition, Mapping) or not condition:
        raise w.fail("policies", f"Condition {condition!r} is not allowed; allowed: {{operator: {{key: value}}}}")
    out = {}
    for op, values in condition.items():
        element = getattr(aws, str(op).replace(":", ""), None)
        if not (isinstance(element, type) and issubclass(element, aws.ConditionElement)) or not isinstance(op, str):
            raise w.fail("policies", f"Condition operator {op!r} is not allowed; allowed: an IAM condition operator "
                         "such as StringEquals, ArnLike, ForAnyValue:StringLike, BoolIfExists")  # fmt: skip
        if not isinstance(values, Mapping) or not values or not all(isinstance(k, str) for k in values):
            raise w.fail("policies", f"Condition {op} {values!r} is not allowed; allowed: {{key: value or [values]}}")
        _json(w, "policies", values)
        out[op] = dict(values)
    return out


def _layers(w: _Where, layers: object) -> tuple[str, ...]:
    if isinstance(layers, str) or not isinstance(layers, Sequence) or len(layers) > 5:
        raise w.fail("layers", f"{layers!r} is not allowed; allowed: a list of at most 5 layer version ARNs")
    return tuple(w.arn("layers", arn, ("layer",)) for arn in layers)
