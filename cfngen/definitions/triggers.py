"""Triggers: how a source reaches a function (a polled mapping, an SNS subscription, an S3 notification).

`Function.add_event_source` picks the kind from the source; the builders here check that kind's options
and refuse at definition time what the service would refuse at deploy time (a table without a stream,
AT_TIMESTAMP on DynamoDB, S3 notifications that overlap).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from cfngen.definitions.checks import S3_EVENTS, STARTING_POSITIONS, STREAM_VIEWS, _json, _Where
from cfngen.definitions.sources import DynamoDBTable, KinesisStream, S3Bucket, SnsTopic
from cfngen.names import Owner

if TYPE_CHECKING:
    from cfngen.definitions.function import Function


@dataclass(eq=False)
class PullTrigger:
    """An event source mapping: Lambda polls a Kinesis or DynamoDB stream."""

    id_owner: ClassVar[Owner] = Owner.PULL_TRIGGER  # whose logical ids it claims
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
    id_owner: ClassVar[Owner] = Owner.SNS_TRIGGER
    function: Function
    source: SnsTopic
    filter_policy: Mapping[str, Any] | None = None
    filter_policy_scope: str | None = None

    @property
    def name(self) -> str:
        return f"{self.function.name}{self.source.name}"


@dataclass(eq=False)
class S3Trigger:
    id_owner: ClassVar[Owner] = Owner.S3_TRIGGER
    function: Function
    source: S3Bucket
    events: tuple[str, ...] = ("s3:ObjectCreated:*",)
    prefix: str | None = None
    suffix: str | None = None

    @property
    def name(self) -> str:
        return f"{self.function.name}{self.source.name}"


Trigger = PullTrigger | SnsTrigger | S3Trigger


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
