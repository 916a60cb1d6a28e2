"""The event sources a function can be wired to: Kinesis streams, DynamoDB tables, SNS topics, S3 buckets.

Created sources come from `Stack.kinesis_stream(...)` and its siblings, which check their fields. Existing
ones come from `from_arn` / `from_stream_arn` / `from_name`, which have no stack to check them, so their
ARN, bucket name and derived resource name are checked here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cfngen.definitions.checks import ACCOUNT, ARN, BUCKET_NAME, PLACEHOLDERS, RESOURCE_NAME
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
    label: str = field(init=False, default="DynamoDB table")

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
    label: str = field(init=False, default="SNS topic")

    @classmethod
    def from_arn(cls, arn: str, name: str | None = None) -> SnsTopic:
        _check_existing_arn(arn, "sns", "SnsTopic.from_arn")
        return cls(name=_existing_name(name, arn.rsplit(":", 1)[-1]), stack=None, arn=arn)


@dataclass(eq=False)
class S3Bucket(Source):
    versioning: bool = False
    bucket_name: str | None = None
    account: str | None = None  # the owner of an existing bucket, when not the stack's account
    label: str = field(init=False, default="S3 bucket")

    @classmethod
    def from_name(cls, bucket_name: str, name: str | None = None, *, account: str | None = None) -> S3Bucket:
        """An existing bucket: the permission is emitted; its notification must be set where it is defined."""
        check_bucket_name(bucket_name, lambda msg: SpecError(msg, resource="S3Bucket.from_name"))
        if account is not None and not (isinstance(account, str) and re.fullmatch(ACCOUNT, account)):
            raise SpecError(f"account {account!r} is not allowed; allowed: 12 digits or ${{AWS::AccountId}}",
                            resource="S3Bucket.from_name", field="account")  # fmt: skip
        return cls(name=_existing_name(name, bucket_name), stack=None, bucket_name=bucket_name, account=account)


def _check_existing_arn(arn: object, kind: str, where: str) -> None:
    if not isinstance(arn, str) or not ARN[kind].fullmatch(arn):
        raise SpecError(
            f"{arn!r} is not a valid {kind} ARN",
            resource=where,
            hint=f"placeholders allowed: {', '.join(PLACEHOLDERS)}",
        )
    # ARN admits ${...} only as the three placeholders, so a matching ARN needs no further check.


def _existing_name(name: str | None, physical: str) -> str:
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
