"""The event sources a function can be wired to: Kinesis streams, DynamoDB tables, SNS topics (S3 buckets:
definitions/buckets.py).

Each class owns its checks. Created sources come from `Stack.kinesis_stream(...)` and its siblings, which
claim the logical ids and hand the fields to the class's `define`, where they are checked. Existing ones
come from `from_arn` / `from_stream_arn` / `from_name`, which have no stack to name in an error, so their
ARN, bucket name and derived resource name are checked there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cfngen import names
from cfngen.definitions.checks import (
    ARN,
    KEY_TYPES,
    PLACEHOLDERS,
    RESOURCE_NAME,
    STREAM_VIEWS,
    Where,
    check_existing_arn,
    existing_name,
)
from cfngen.definitions.grants import ACTIONS, Grant, Statement, grant, kms
from cfngen.definitions.refs import Producer, Reference, attr, literal
from cfngen.errors import SpecError

if TYPE_CHECKING:
    from cfngen.definitions.stack import Stack


@dataclass(eq=False)
class Source:
    """An event source: created by `stack` when it has one, else an existing resource named by ARN."""

    ident: str  # the name given in the spec: the stem of its logical ids (`.name` is the physical name)
    stack: Stack | None

    label: str = field(init=False, default="source")  # how messages name this kind of source
    # Another stack's source as a consumer uses it (definitions/imports.py): the stack that creates it (a Stack, or
    # a Producer known by name from `from_stack`), and the consumer whose parameters hold its values.
    producer: Stack | Producer | None = field(default=None, kw_only=True)
    importer: Stack | None = field(default=None, kw_only=True)

    @property
    def existing(self) -> bool:
        """The stack does not create it: an ARN or name given, or another stack's."""
        return self.stack is None

    @property
    def created(self) -> bool:
        """Some stack creates it: this one, or the producer it is imported from."""
        return self.stack is not None or self.producer is not None

    def _attr(self, logical_id: str, attribute: str | None, what: str, output: str | None = None) -> Reference:
        """A value of the created resource: `Ref`/`GetAtt` in its stack, a parameter in a consumer's."""
        ref = attr(self.stack or self.producer, logical_id, attribute, f"{self.label} {self.ident}'s {what}", output)
        if self.importer is None:
            return ref
        from cfngen.definitions.checks import Where

        return self.importer.import_reference(ref, Where(self.importer, self.ident), "source")

    @classmethod
    def from_stack(cls, stack: str, name: str) -> Any:
        """The source `name` that stack `stack` (deployed by cfngen, not in this project) creates; its values are
        read from that stack's outputs at deploy. For a stack of this project, import the source itself."""
        from cfngen.definitions.checks import STACK_NAME

        where = f"{cls.__name__}.from_stack"
        if not isinstance(stack, str) or not STACK_NAME.fullmatch(stack):
            raise SpecError(f"stack name {stack!r} is not allowed; allowed: a letter, then up to 127 letters, digits "
                            "or '-'", resource=where, field="stack")  # fmt: skip
        if not isinstance(name, str) or not RESOURCE_NAME.fullmatch(name):
            raise SpecError(f"name {name!r} is not allowed; allowed: the name the source has in stack {stack} (a "
                            "letter A-Z then up to 63 letters or digits)", resource=where, field="name")  # fmt: skip
        return cls(name, None, producer=Producer(stack), **cls._from_stack_fields())

    @classmethod
    def _from_stack_fields(cls) -> dict[str, Any]:
        return {}

    def _literal(self, text: str, what: str) -> Reference:
        return literal(text, f"{self.label} {self.ident}'s {what}")

    def grant_statements(self, access: str) -> list[Statement]:  # pragma: no cover - each grantable overrides it
        raise NotImplementedError


@dataclass(eq=False)
class KinesisStream(Source):
    given_arn: str | None = None
    shards: int | None = None
    on_demand: bool = False
    retention_hours: int = 24
    stream_name: str | None = None
    given_consumer_arn: str | None = None  # from_arn with an enhanced fan-out consumer's ARN: mappings read through it
    label: str = field(init=False, default="Kinesis stream")

    @classmethod
    def define(
        cls,
        w: Where,
        name: str,
        *,
        shards: int | None,
        on_demand: bool,
        retention_hours: int,
        stream_name: str | None,
    ) -> KinesisStream:
        """A stream the stack creates, its fields checked."""
        w.boolean("on_demand", on_demand)
        if on_demand and shards is not None:
            raise w.fail("shards", "cannot be set with on_demand=True; allowed: one of shards=N or on_demand=True")
        if not on_demand:
            w.int_range("shards", 1 if shards is None else shards, 1, 10000)
        w.int_range("retention_hours", retention_hours, 24, 8760)
        if stream_name is not None:
            w.text("stream_name", stream_name, max_len=128, pattern=re.compile(r"[A-Za-z0-9_.-]+"))
        return cls(
            name,
            w.stack,
            shards=None if on_demand else (shards or 1),
            on_demand=on_demand,
            retention_hours=retention_hours,
            stream_name=stream_name,
        )

    @property
    def name(self) -> Reference:
        """The stream's name (`Ref`, or the name in an existing stream's ARN)."""
        if self.given_arn is None:
            return self._attr(names.stream(self.ident), None, "name", names.stream_name_output(self.ident))
        return self._literal(self.given_arn.rsplit("/", 1)[-1], "name")

    @property
    def arn(self) -> Reference:
        if self.given_arn is None:
            return self._attr(names.stream(self.ident), "Arn", "ARN", names.stream_arn_output(self.ident))
        return self._literal(self.given_arn, "ARN")

    def grant_read(self, fn: object) -> Grant:
        """GetRecords and what reading shards needs, on this stream."""
        return grant(self, self.ident, fn, "read")

    def grant_write(self, fn: object) -> Grant:
        """PutRecord(s) and what finding shards needs, on this stream."""
        return grant(self, self.ident, fn, "write")

    def grant_statements(self, access: str) -> list[Statement]:
        return [Statement("kinesis", ACTIONS["kinesis", access], (self.arn,))]

    @classmethod
    def from_arn(cls, arn: str, name: str | None = None) -> KinesisStream:
        """An existing stream by its ARN, or by the ARN of one of its enhanced fan-out consumers
        (`arn:aws:kinesis:REGION:ACCOUNT:stream/NAME/consumer/CONSUMER:CREATED`): a mapping then reads through
        that consumer; `.name`, `.arn` and grants still name the stream."""
        if isinstance(arn, str) and CONSUMER_ARN.fullmatch(arn):
            stream, consumer = arn.split("/consumer/", 1)
            ident = existing_name(name, consumer.split(":", 1)[0])
            return cls(ident=ident, stack=None, given_arn=stream, given_consumer_arn=arn)
        if not isinstance(arn, str) or not ARN["kinesis"].fullmatch(arn):
            raise SpecError(
                f"{arn!r} is not a valid kinesis ARN; allowed: arn:aws:kinesis:REGION:ACCOUNT:stream/NAME, or a "
                "consumer's arn:aws:kinesis:REGION:ACCOUNT:stream/NAME/consumer/CONSUMER:CREATED",
                resource="KinesisStream.from_arn",
                hint=f"placeholders allowed: {', '.join(PLACEHOLDERS)}",
            )
        return cls(ident=existing_name(name, arn.rsplit("/", 1)[-1]), stack=None, given_arn=arn)


# An enhanced fan-out consumer of a stream: the stream's ARN, /consumer/, its name, ':' and its creation time.
CONSUMER_ARN = re.compile(ARN["kinesis"].pattern + r"/consumer/[A-Za-z0-9_.-]{1,128}:\d+")
BILLING = ("on_demand", "provisioned")
CAPACITY_MAX = 40000  # DynamoDB's default per-table quota of read (and of write) capacity units


@dataclass(eq=False)
class DynamoDBTable(Source):
    given_stream_arn: str | None = None
    given_arn: str | None = None  # an existing table named without its stream (from_name)
    partition_key: str = ""
    partition_key_type: str = "S"
    sort_key: str | None = None
    sort_key_type: str = "S"
    stream_view: str | None = None
    table_name: str | None = None
    retain: bool = True  # DeletionPolicy/UpdateReplacePolicy Retain: a stack delete never drops the data
    kms_key: str | None = None  # a customer-managed key's ARN; None: DynamoDB's AWS-owned key
    billing: str = "on_demand"  # or "provisioned", with read_capacity and write_capacity
    read_capacity: int | None = None
    write_capacity: int | None = None
    label: str = field(init=False, default="DynamoDB table")

    @classmethod
    def define(
        cls,
        w: Where,
        name: str,
        *,
        partition_key: str,
        partition_key_type: str,
        sort_key: str | None,
        sort_key_type: str,
        stream_view: str | None,
        table_name: str | None,
        retain: bool,
        kms_key: str | None,
        billing: str = "on_demand",
        read_capacity: int | None = None,
        write_capacity: int | None = None,
    ) -> DynamoDBTable:
        """A table the stack creates, its fields checked."""
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
        return cls(
            name,
            w.stack,
            partition_key=partition_key,
            partition_key_type=partition_key_type,
            sort_key=sort_key,
            sort_key_type=sort_key_type,
            stream_view=stream_view,
            table_name=table_name,
            retain=w.boolean("retain", retain),
            kms_key=None if kms_key is None else w.arn("kms_key", kms_key, ("kms-key",)),
            billing=w.choice("billing", billing, BILLING),
            read_capacity=_capacity(w, billing, "read_capacity", read_capacity),
            write_capacity=_capacity(w, billing, "write_capacity", write_capacity),
        )

    @property
    def name(self) -> Reference:
        """The table's name (`Ref`, or the name in an existing table's ARN)."""
        if self.created:
            return self._attr(names.table(self.ident), None, "name", names.table_name_output(self.ident))
        return self._literal(self._given_table_arn().split(":table/", 1)[1], "name")

    @property
    def arn(self) -> Reference:
        if self.created:
            return self._attr(names.table(self.ident), "Arn", "ARN", names.table_arn_output(self.ident))
        return self._literal(self._given_table_arn(), "ARN")

    @property
    def stream_arn(self) -> Reference:
        """The table's stream (`Fn::GetAtt <Table>.StreamArn`); a created table needs `stream_view=`."""
        if self.given_stream_arn is not None:
            return self._literal(self.given_stream_arn, "stream ARN")
        if self.stream_view is None:
            raise SpecError(
                f"table {self.ident} has no stream, so it has no stream_arn; allowed: a table with stream_view=...",
                stack=self.stack.name if self.stack else None,
                resource=self.ident,
                field="stream_arn",
            )
        return self._attr(names.table(self.ident), "StreamArn", "stream ARN", names.table_stream_arn_output(self.ident))

    @classmethod
    def _from_stack_fields(cls) -> dict[str, Any]:
        return {"stream_view": FROM_STACK}  # assumed: a stream source; its output is checked at deploy

    def _given_table_arn(self) -> str:
        if self.given_arn is not None:
            return self.given_arn
        assert self.given_stream_arn is not None
        return self.given_stream_arn.split("/stream/", 1)[0]

    def grant_read(self, fn: object) -> Grant:
        """Get, query and scan the table and its indexes."""
        return grant(self, self.ident, fn, "read")

    def grant_write(self, fn: object) -> Grant:
        """Put, update and delete items of the table."""
        return grant(self, self.ident, fn, "write")

    def grant_read_write(self, fn: object) -> Grant:
        """grant_read and grant_write."""
        return grant(self, self.ident, fn, "read_write")

    def grant_statements(self, access: str) -> list[Statement]:
        out = []
        if access in ("read", "read_write"):
            out.append(Statement("dynamodb", ACTIONS["dynamodb", "read"], (self.arn, self.arn + "/index/*")))
        if access in ("write", "read_write"):
            out.append(Statement("dynamodb", ACTIONS["dynamodb", "write"], (self.arn,)))
        return out + kms(self.kms_key, "decrypt" if access == "read" else "encrypt")

    @classmethod
    def from_name(cls, table_name: str, name: str | None = None, *, kms_key: str | None = None) -> DynamoDBTable:
        """An existing table in the stack's account and region, for grants and references (not an event source:
        that needs its stream, `from_stream_arn`)."""
        if not isinstance(table_name, str) or not re.fullmatch(r"[A-Za-z0-9_.-]{3,255}", table_name):
            raise SpecError(f"table name {table_name!r} is not allowed; allowed: 3 to 255 letters, digits, '_', '-' "
                            "or '.'", resource="DynamoDBTable.from_name", field="table_name")  # fmt: skip
        if kms_key is not None:
            check_existing_arn(kms_key, "kms-key", "DynamoDBTable.from_name")
        arn = f"arn:${{AWS::Partition}}:dynamodb:${{AWS::Region}}:${{AWS::AccountId}}:table/{table_name}"
        return cls(ident=existing_name(name, table_name), stack=None, given_arn=arn, kms_key=kms_key)

    @classmethod
    def from_stream_arn(cls, stream_arn: str, name: str | None = None) -> DynamoDBTable:
        check_existing_arn(stream_arn, "dynamodb", "DynamoDBTable.from_stream_arn")
        table = stream_arn.split(":table/", 1)[-1].split("/", 1)[0]
        return cls(ident=existing_name(name, table), stack=None, given_stream_arn=stream_arn)


FROM_STACK = "(from its stack)"  # a from_stack table's stream view: unknown here, its stream ARN is an output


def _capacity(w: Where, billing: str, fld: str, value: object) -> int | None:
    """Capacity units: required with provisioned billing, refused on demand (DynamoDB has no capacity to set)."""
    if billing == "on_demand":
        if value is not None:
            raise w.fail(fld, f"{value!r} is not allowed with billing='on_demand' (on-demand tables have no "
                         "capacity); allowed: leave it unset, or billing='provisioned'")  # fmt: skip
        return None
    if value is None:
        raise w.fail(fld, f"is required with billing='provisioned'; allowed: 1 to {CAPACITY_MAX:,} capacity units")
    return w.int_range(fld, value, 1, CAPACITY_MAX)


# SNS's AWS-managed key: topics are encrypted at rest unless a customer-managed key is chosen. AWS services that
# publish (S3, EventBridge, CloudWatch alarms...) cannot use it: its key policy cannot grant them (README, Security).
SNS_MANAGED_KEY = "alias/aws/sns"


@dataclass(eq=False)
class SnsTopic(Source):
    given_arn: str | None = None
    kms_key: str | None = None
    display_name: str | None = None
    topic_name: str | None = None
    label: str = field(init=False, default="SNS topic")

    @classmethod
    def define(
        cls, w: Where, name: str, *, kms_key: str | None, display_name: str | None, topic_name: str | None
    ) -> SnsTopic:
        """A topic the stack creates, its fields checked; encrypted with SNS's AWS-managed key unless `kms_key`."""
        if kms_key is None:
            kms_key = SNS_MANAGED_KEY
        else:
            w.text(
                "kms_key",
                kms_key,
                max_len=2048,
                pattern=re.compile(r"(alias/|arn:|[0-9a-f-]{36}$)\S+|[0-9a-f-]{36}"),
                allowed="a key id, key ARN, alias/NAME or alias ARN",
            )
            w.placeholders("kms_key", kms_key)
        if display_name is not None:
            w.text("display_name", display_name, max_len=100)
        if topic_name is not None:
            w.text("topic_name", topic_name, max_len=256, pattern=re.compile(r"[A-Za-z0-9_-]+"))
        return cls(name, w.stack, kms_key=kms_key, display_name=display_name, topic_name=topic_name)

    @property
    def name(self) -> Reference:
        """The topic's name (`Fn::GetAtt <Topic>.TopicName`, or the name in an existing topic's ARN)."""
        if self.given_arn is None:
            return self._attr(names.topic(self.ident), "TopicName", "name", names.topic_name_output(self.ident))
        return self._literal(self.given_arn.rsplit(":", 1)[-1], "name")

    @property
    def arn(self) -> Reference:
        """The topic's ARN (`Ref`, or the ARN given)."""
        if self.given_arn is None:
            return self._attr(names.topic(self.ident), None, "ARN", names.topic_arn_output(self.ident))
        return self._literal(self.given_arn, "ARN")

    def grant_publish(self, fn: object) -> Grant:
        """sns:Publish on this topic (and its customer-managed key, when it has one)."""
        return grant(self, self.ident, fn, "publish")

    def grant_statements(self, access: str) -> list[Statement]:
        key = self.kms_key if self.kms_key and self.kms_key.startswith("arn:") and ":key/" in self.kms_key else None
        return [Statement("sns", ACTIONS["sns", "publish"], (self.arn,)), *kms(key, "produce")]

    @classmethod
    def from_arn(cls, arn: str, name: str | None = None, *, kms_key: str | None = None) -> SnsTopic:
        check_existing_arn(arn, "sns", "SnsTopic.from_arn")
        if kms_key is not None:  # its customer-managed key: publishing needs it
            check_existing_arn(kms_key, "kms-key", "SnsTopic.from_arn")
        return cls(ident=existing_name(name, arn.rsplit(":", 1)[-1]), stack=None, given_arn=arn, kms_key=kms_key)
