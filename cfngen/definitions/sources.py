"""The event sources a function can be wired to: Kinesis streams, DynamoDB tables, SNS topics, S3 buckets.

Each class owns its checks. Created sources come from `Stack.kinesis_stream(...)` and its siblings, which
claim the logical ids and hand the fields to the class's `define`, where they are checked. Existing ones
come from `from_arn` / `from_stream_arn` / `from_name`, which have no stack to name in an error, so their
ARN, bucket name and derived resource name are checked there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cfngen.definitions.checks import (
    ACCOUNT,
    ARN,
    BUCKET_NAME,
    KEY_TYPES,
    PLACEHOLDERS,
    RESOURCE_NAME,
    STREAM_VIEWS,
    Where,
)
from cfngen.errors import SpecError

if TYPE_CHECKING:
    from cfngen.definitions.stack import Stack


@dataclass(eq=False)
class Source:
    """An event source: created by `stack` when it has one, else an existing resource named by ARN."""

    name: str
    stack: Stack | None

    label: str = field(init=False, default="source")  # how messages name this kind of source

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

    @classmethod
    def from_arn(cls, arn: str, name: str | None = None) -> KinesisStream:
        check_existing_arn(arn, "kinesis", "KinesisStream.from_arn")
        return cls(name=existing_name(name, arn.rsplit("/", 1)[-1]), stack=None, arn=arn)


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
    kms_key: str | None = None  # a customer-managed key's ARN; None: DynamoDB's AWS-owned key
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
        )

    @classmethod
    def from_stream_arn(cls, stream_arn: str, name: str | None = None) -> DynamoDBTable:
        check_existing_arn(stream_arn, "dynamodb", "DynamoDBTable.from_stream_arn")
        table = stream_arn.split(":table/", 1)[-1].split("/", 1)[0]
        return cls(name=existing_name(name, table), stack=None, stream_arn=stream_arn)


# SNS's AWS-managed key: topics are encrypted at rest unless a customer-managed key is chosen. AWS services that
# publish (S3, EventBridge, CloudWatch alarms...) cannot use it: its key policy cannot grant them (README, Security).
SNS_MANAGED_KEY = "alias/aws/sns"


@dataclass(eq=False)
class SnsTopic(Source):
    arn: str | None = None
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

    @classmethod
    def from_arn(cls, arn: str, name: str | None = None) -> SnsTopic:
        check_existing_arn(arn, "sns", "SnsTopic.from_arn")
        return cls(name=existing_name(name, arn.rsplit(":", 1)[-1]), stack=None, arn=arn)


@dataclass(eq=False)
class S3Bucket(Source):
    versioning: bool = False
    bucket_name: str | None = None
    account: str | None = None  # the owner of an existing bucket, when not the stack's account
    label: str = field(init=False, default="S3 bucket")

    @classmethod
    def define(cls, w: Where, name: str, *, versioning: bool, bucket_name: str | None) -> S3Bucket:
        """A bucket the stack creates, its fields checked."""
        w.boolean("versioning", versioning)
        if bucket_name is not None:
            check_bucket_name(bucket_name, lambda msg: w.fail("bucket_name", msg))
        return cls(name, w.stack, versioning=versioning, bucket_name=bucket_name)

    @classmethod
    def from_name(cls, bucket_name: str, name: str | None = None, *, account: str | None = None) -> S3Bucket:
        """An existing bucket: the permission is emitted; its notification must be set where it is defined."""
        check_bucket_name(bucket_name, lambda msg: SpecError(msg, resource="S3Bucket.from_name"))
        if account is not None and not (isinstance(account, str) and re.fullmatch(ACCOUNT, account)):
            raise SpecError(f"account {account!r} is not allowed; allowed: 12 digits or ${{AWS::AccountId}}",
                            resource="S3Bucket.from_name", field="account")  # fmt: skip
        return cls(name=existing_name(name, bucket_name), stack=None, bucket_name=bucket_name, account=account)


def check_existing_arn(arn: object, kind: str, where: str) -> None:
    if not isinstance(arn, str) or not ARN[kind].fullmatch(arn):
        raise SpecError(
            f"{arn!r} is not a valid {kind} ARN",
            resource=where,
            hint=f"placeholders allowed: {', '.join(PLACEHOLDERS)}",
        )
    # ARN admits ${...} only as the three placeholders, so a matching ARN needs no further check.


def existing_name(name: str | None, physical: str) -> str:
    chosen = name if name is not None else _camel(physical)
    if not isinstance(chosen, str) or not RESOURCE_NAME.fullmatch(chosen):
        raise SpecError(
            f"name {chosen!r} is not allowed; allowed: a letter A-Z then up to 63 letters or digits",
            resource=physical,
        )
    return chosen


def check_bucket_name(name: object, fail: Any) -> str:
    """A bucket name S3 accepts in every region; `fail(message)` makes the error to raise."""
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


def _camel(text: str) -> str:
    """Readable logical-id part from a physical name: 'cfngen-demo-clicks' -> 'CfngenDemoClicks'."""
    parts = re.split(r"[^A-Za-z0-9]+", text)
    name = "".join(p[:1].upper() + p[1:] for p in parts if p)
    return name if name[:1].isalpha() else f"S{name}"
