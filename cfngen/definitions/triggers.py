"""Triggers: how a source reaches a function (a polled mapping, an SNS subscription, an S3 notification).

Each trigger's options are its dataclass fields marked with `option(check)`: that one table gives the
option names (PULL_OPTIONS, SNS_OPTIONS, S3_OPTIONS, which error messages list) and the check each given
value goes through. `new_trigger` picks the trigger from the source, runs the checks in field order, then
refuses at definition time what the service would refuse at deploy time (a table without a stream,
AT_TIMESTAMP on DynamoDB, S3 notifications that overlap).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, ClassVar, TypedDict, TypeVar

from cfngen.definitions.buckets import VIAS, S3Bucket, check_eventbridge_route
from cfngen.definitions.checks import S3_EVENTS, STARTING_POSITIONS, STREAM_VIEWS, Where
from cfngen.definitions.queues import SqsQueue, check_consumer
from cfngen.definitions.rules import MAX_TARGETS, EventRule
from cfngen.definitions.sources import DynamoDBTable, KinesisStream, SnsTopic, Source
from cfngen.names import Owner

if TYPE_CHECKING:
    from cfngen.definitions.function import Function

Check = Callable[[Where, str, Any], Any]  # (where, option name, given value) -> the value to store
_CHECK = "cfngen.check"


def option(check: Check | None) -> dict[str, Check | None]:
    """Field metadata marking a trigger option; `check` validates a given value (None: the trigger's own
    check handles it, because what it allows depends on the source or on another option)."""
    return {_CHECK: check}


def _whole(lo: int, hi: int, *, also: Sequence[int] = ()) -> Check:
    return lambda where, name, value: where.int_range(name, value, lo, hi, also=also)


def _flag(where: Where, name: str, value: object) -> bool:
    return where.boolean(name, value)


def _failure_destination(where: Where, name: str, value: object) -> str:
    return where.arn(name, value, ("sqs", "sns"))


def _timestamp(where: Where, name: str, value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise where.fail(name, f"{value!r} is not allowed; allowed: Unix time in seconds")
    return value


def _filter_patterns(where: Where, name: str, patterns: object) -> tuple[str, ...]:
    if not isinstance(patterns, (list, tuple)) or not 1 <= len(patterns) <= 5:
        raise where.fail(name, f"{patterns!r} is not allowed; allowed: a list of 1 to 5 dicts")
    out = []
    for p in patterns:
        if not isinstance(p, dict) or not p:
            raise where.fail(
                name, f"{p!r} is not allowed; allowed: a non-empty dict such as {{'data': {{'kind': ['order']}}}}"
            )
        text = where.json(name, p)
        if len(text) > 4096:
            raise where.fail(name, f"a pattern is {len(text)} characters; allowed: at most 4096")
        out.append(text)
    return tuple(out)


def _filter_policy(where: Where, name: str, policy: object) -> object:
    if not isinstance(policy, dict) or not policy:
        raise where.fail(name, f"{policy!r} is not allowed; allowed: a non-empty dict such as {{'severity': ['high']}}")
    where.json(name, policy)
    return policy


def _policy_scope(where: Where, name: str, scope: object) -> object:
    return where.choice(name, scope, ("MessageAttributes", "MessageBody"))


def _events(where: Where, name: str, events: object) -> tuple[str, ...]:
    if isinstance(events, str) or not isinstance(events, (list, tuple)) or not events:
        raise where.fail(name, f"{events!r} is not allowed; allowed: a non-empty list of S3 event names")
    chosen = tuple(where.choice(name, e, S3_EVENTS) for e in events)
    if len(set(chosen)) != len(chosen):
        raise where.fail(name, f"{list(chosen)} repeats an event; allowed: each event once")
    return chosen


def _key_part(where: Where, name: str, value: object) -> str:
    return where.text(name, value, max_len=1024)


def _input(where: Where, name: str, value: object) -> str:
    """A target's constant input: JSON EventBridge passes instead of the event (at most 8,192 characters)."""
    text = where.json(name, value)
    if len(text) > 8192:
        raise where.fail(name, f"is {len(text):,} characters as JSON; allowed: at most 8,192")
    return text


class _Named:
    """A trigger's name: its function's name then its source's. The stem of its logical ids, and a mapping's
    name for `cfngen enable/disable`. (Annotations only: the dataclasses below declare the fields.)"""

    function: Function
    source: Source

    @property
    def name(self) -> str:
        return f"{self.function.name}{self.source.ident}"


@dataclass(eq=False)
class PullTrigger(_Named):
    """An event source mapping: Lambda polls a Kinesis or DynamoDB stream."""

    id_owner: ClassVar[Owner] = Owner.PULL_TRIGGER  # whose logical ids it claims

    function: Function
    source: KinesisStream | DynamoDBTable
    starting_position: str = field(metadata=option(None))  # its choices depend on the source: _start
    starting_timestamp: float | None = field(default=None, metadata=option(_timestamp))
    batch_size: int | None = field(default=None, metadata=option(_whole(1, 10000)))
    batching_window_seconds: int | None = field(default=None, metadata=option(_whole(0, 300)))
    enabled: bool = field(default=True, metadata=option(_flag))
    bisect_on_error: bool | None = field(default=None, metadata=option(_flag))
    max_retries: int | None = field(default=None, metadata=option(_whole(-1, 10000)))
    max_record_age_seconds: int | None = field(default=None, metadata=option(_whole(60, 604800, also=(-1,))))
    parallelization_factor: int | None = field(default=None, metadata=option(_whole(1, 10)))
    on_failure_arn: str | None = field(default=None, metadata=option(_failure_destination))
    filter_patterns: tuple[str, ...] = field(default=(), metadata=option(_filter_patterns))
    report_batch_item_failures: bool | None = field(default=None, metadata=option(_flag))
    tumbling_window_seconds: int | None = field(default=None, metadata=option(_whole(0, 900)))
    # Kinesis only: a stream consumer of its own (dedicated throughput, pushed records); _fan_out checks it
    enhanced_fan_out: bool | None = field(default=None, metadata=option(_flag))


@dataclass(eq=False)
class SqsTrigger(_Named):
    """An event source mapping: Lambda polls an SQS queue. Same ids and Enabled switch as a stream's mapping."""

    id_owner: ClassVar[Owner] = Owner.PULL_TRIGGER

    function: Function
    source: SqsQueue
    batch_size: int | None = field(default=None, metadata=option(_whole(1, 10000)))
    batching_window_seconds: int | None = field(default=None, metadata=option(_whole(0, 300)))
    enabled: bool = field(default=True, metadata=option(_flag))
    report_batch_item_failures: bool | None = field(default=None, metadata=option(_flag))
    max_concurrency: int | None = field(default=None, metadata=option(_whole(2, 1000)))
    filter_patterns: tuple[str, ...] = field(default=(), metadata=option(_filter_patterns))


@dataclass(eq=False)
class RuleTrigger(_Named):
    """A function as a target of an EventBridge rule or schedule: the target and an invoke permission."""

    id_owner: ClassVar[Owner] = Owner.RULE_TRIGGER

    function: Function
    source: EventRule
    input: str | None = field(default=None, metadata=option(_input))  # canonical JSON


@dataclass(eq=False)
class SnsTrigger(_Named):
    id_owner: ClassVar[Owner] = Owner.SNS_TRIGGER

    function: Function
    source: SnsTopic
    filter_policy: Mapping[str, Any] | None = field(default=None, metadata=option(_filter_policy))
    filter_policy_scope: str | None = field(default=None, metadata=option(_policy_scope))


@dataclass(eq=False)
class S3Trigger(_Named):
    id_owner: ClassVar[Owner] = Owner.S3_TRIGGER

    function: Function
    source: S3Bucket
    events: tuple[str, ...] = field(default=("s3:ObjectCreated:*",), metadata=option(_events))
    prefix: str | None = field(default=None, metadata=option(_key_part))
    suffix: str | None = field(default=None, metadata=option(_key_part))
    # "s3": the bucket's own notification (a created bucket) or only the permission (an existing one);
    # "eventbridge": an existing bucket's events through a rule on the default bus (builders/rules.py)
    via: str = field(default="s3", metadata=option(lambda where, name, value: where.choice(name, value, VIAS)))


Trigger = PullTrigger | SqsTrigger | SnsTrigger | S3Trigger | RuleTrigger
T = TypeVar("T", PullTrigger, SqsTrigger, SnsTrigger, S3Trigger, RuleTrigger)


def options_of(trigger: type[Trigger]) -> tuple[str, ...]:
    """The option names a trigger accepts, in the order its checks run."""
    return tuple(f.name for f in fields(trigger) if _CHECK in f.metadata)


PULL_OPTIONS = options_of(PullTrigger)
SNS_OPTIONS = options_of(SnsTrigger)
S3_OPTIONS = options_of(S3Trigger)
SQS_OPTIONS = options_of(SqsTrigger)
RULE_OPTIONS = options_of(RuleTrigger)
# Each name once, in the order of the first trigger that has it.
EVENT_SOURCE_OPTIONS = tuple(dict.fromkeys((*PULL_OPTIONS, *SQS_OPTIONS, *SNS_OPTIONS, *S3_OPTIONS, *RULE_OPTIONS)))
OPTION_NAMES = frozenset(EVENT_SOURCE_OPTIONS)


class EventSourceOptions(TypedDict, total=False):
    """The keyword arguments of `Function.add_event_source`, typed for callers: one key per option above
    (tests/unit/test_definitions.py checks the two agree)."""

    starting_position: str | None
    starting_timestamp: float | None
    batch_size: int | None
    batching_window_seconds: int | None
    enabled: bool | None
    bisect_on_error: bool | None
    max_retries: int | None
    max_record_age_seconds: int | None
    parallelization_factor: int | None
    on_failure_arn: str | None
    filter_patterns: Sequence[Mapping[str, Any]] | None
    report_batch_item_failures: bool | None
    tumbling_window_seconds: int | None
    enhanced_fan_out: bool | None
    max_concurrency: int | None
    filter_policy: Mapping[str, Any] | None
    filter_policy_scope: str | None
    events: Sequence[str] | None
    prefix: str | None
    suffix: str | None
    via: str | None
    input: Any


def _apply(where: Where, trigger: T, given: Mapping[str, object]) -> T:
    """Run each option's check, in field order, on the values given (None means not given)."""
    for f in fields(trigger):
        check = f.metadata.get(_CHECK)
        if check is not None and given.get(f.name) is not None:
            setattr(trigger, f.name, check(where, f.name, given[f.name]))
    return trigger


Wired = KinesisStream | DynamoDBTable | SqsQueue | SnsTopic | S3Bucket | EventRule


def new_trigger(where: Where, fn: Function, source: Wired, given: Mapping[str, object]) -> Trigger:
    """The trigger wiring `source` to `fn`, refusing options of another kind of source."""
    if isinstance(source, (KinesisStream, DynamoDBTable)):
        where.reject_unknown(given, PULL_OPTIONS, f"a {source.label} source")
        return _fan_out(where, _apply(where, PullTrigger(fn, source, _start(where, source, given)), given))
    if isinstance(source, SqsQueue):
        where.reject_unknown(given, SQS_OPTIONS, "an SQS queue source")
        return _sqs_batching(where, _apply(where, SqsTrigger(fn, source), given))
    if isinstance(source, EventRule):
        where.reject_unknown(given, RULE_OPTIONS, f"an {source.label} source")
        targets = [t for t in fn.stack.triggers if isinstance(t, RuleTrigger) and t.source is source]
        if len(targets) >= MAX_TARGETS:
            raise where.fail(
                "source",
                f"rule {source.ident} already has {MAX_TARGETS} targets; allowed: at most {MAX_TARGETS} (EventBridge)",
                hint="define another rule with the same pattern",
            )
        return _apply(where, RuleTrigger(fn, source), given)
    if isinstance(source, SnsTopic):
        where.reject_unknown(given, SNS_OPTIONS, "an SNS topic source")
        sns = _apply(where, SnsTrigger(fn, source), given)
        if sns.filter_policy_scope is not None and sns.filter_policy is None:
            raise where.fail("filter_policy_scope", "needs a filter_policy")
        return sns
    where.reject_unknown(given, S3_OPTIONS, "an S3 bucket source")
    s3 = _apply(where, S3Trigger(fn, source), given)
    if s3.via == "eventbridge":  # EventBridge rules may overlap: no S3 notification is configured
        check_eventbridge_route(where, source, s3.events)
        return s3
    return _s3_overlaps(where, s3)


def _sqs_batching(where: Where, tr: SqsTrigger) -> SqsTrigger:
    """What Lambda refuses for a queue: more than 10 from FIFO, over 10 without a window, a window on FIFO."""
    check_consumer(where, tr.source, tr.function)
    size, window = tr.batch_size, tr.batching_window_seconds
    if tr.source.fifo:
        if size is not None and size > 10:
            raise where.fail("batch_size", f"{size} is out of range for FIFO queue {tr.source.ident}; allowed: 1 to 10")
        if window is not None:
            raise where.fail("batching_window_seconds", f"is not supported for FIFO queue {tr.source.ident}; "
                             "allowed: leave it unset")  # fmt: skip
    elif size is not None and size > 10 and not window:
        raise where.fail("batching_window_seconds", f"is needed with batch_size={size} (over 10) on a standard "
                         "queue; allowed: 1 to 300 seconds")  # fmt: skip
    return tr


CONSUMER_NAME_MAX = 128  # Kinesis: a consumer's name, which is the trigger's name, '-', the stack id's head


def _fan_out(where: Where, tr: PullTrigger) -> PullTrigger:
    """Enhanced fan-out: Kinesis only, not through a consumer already, and a consumer name Kinesis accepts."""
    if not tr.enhanced_fan_out:
        return tr
    src = tr.source
    if not isinstance(src, KinesisStream):
        raise where.fail("enhanced_fan_out", f"is for Kinesis streams; {src.label} {src.ident}'s stream has no "
                         "consumers; allowed: leave it unset")  # fmt: skip
    if src.given_consumer_arn is not None:
        raise where.fail("enhanced_fan_out", f"{src.ident} is already a stream consumer (its ARN names one); "
                         "allowed: leave it unset, the mapping reads through that consumer")  # fmt: skip
    if len(tr.name) + 9 > CONSUMER_NAME_MAX:
        raise where.fail("enhanced_fan_out", f"the consumer would be named {tr.name}-<8 characters>, over "
                         f"{CONSUMER_NAME_MAX} characters; allowed: function and stream names of at most "
                         f"{CONSUMER_NAME_MAX - 9} characters together")  # fmt: skip
    return tr


def _start(where: Where, source: KinesisStream | DynamoDBTable, given: Mapping[str, object]) -> str:
    """The starting position: required, AT_TIMESTAMP only on Kinesis and only with a starting_timestamp."""
    if isinstance(source, DynamoDBTable) and not source.created and source.given_stream_arn is None:
        raise where.fail(
            "source",
            f"table {source.ident} was named without its stream (DynamoDBTable.from_name), so it cannot be an event "
            "source; allowed: DynamoDBTable.from_stream_arn(...)",
        )
    if isinstance(source, DynamoDBTable) and source.created and source.stream_view is None:
        raise where.fail(
            "stream_view",
            f"table {source.ident} has no stream, so it cannot be an event source",
            hint=f"give dynamodb_table(..., stream_view=...) one of {', '.join(STREAM_VIEWS)}",
        )
    allowed = STARTING_POSITIONS if isinstance(source, KinesisStream) else STARTING_POSITIONS[:2]
    if given.get("starting_position") is None:
        raise where.fail("starting_position", "is required for a stream source; allowed: " + ", ".join(allowed))
    position = str(where.choice("starting_position", given["starting_position"], allowed))
    if (position == "AT_TIMESTAMP") != (given.get("starting_timestamp") is not None):
        raise where.fail(
            "starting_timestamp",
            "is required with starting_position='AT_TIMESTAMP' and allowed only with it; allowed: Unix time in seconds",
        )
    return position


def _s3_overlaps(where: Where, trigger: S3Trigger) -> S3Trigger:
    """S3 refuses a bucket's notifications that could fire twice for one event on one key."""
    chosen = trigger.events
    for i, event in enumerate(chosen):
        if any(_events_overlap(event, other) for other in chosen[i + 1 :]):
            raise where.fail("events", f"{list(chosen)} overlap ({event}); allowed: events that do not include "
                             "each other, e.g. s3:ObjectCreated:* alone")  # fmt: skip
    for other in trigger.function.stack.triggers:
        if (
            isinstance(other, S3Trigger)
            and other.source is trigger.source
            and other.via == "s3"
            and _notifications_overlap(trigger, other)
        ):
            raise where.fail(
                "prefix",
                f"the notification overlaps {other.function.name}'s on {trigger.source.ident} (same events, "
                "prefix/suffix that can match the same key); S3 refuses overlapping configurations",
                hint="give each function a distinct prefix or suffix, or distinct events",
            )
    return trigger


def _events_overlap(a: str, b: str) -> bool:
    return a == b or (a.endswith(":*") and b.startswith(a[:-1])) or (b.endswith(":*") and a.startswith(b[:-1]))


def _notifications_overlap(a: S3Trigger, b: S3Trigger) -> bool:
    pa, pb, sa, sb = a.prefix or "", b.prefix or "", a.suffix or "", b.suffix or ""
    keys = (pa.startswith(pb) or pb.startswith(pa)) and (sa.endswith(sb) or sb.endswith(sa))
    return keys and any(_events_overlap(x, y) for x in a.events for y in b.events)
