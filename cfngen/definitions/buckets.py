"""S3 buckets as event sources and grant targets: created by a stack (a generated or given name) or existing.

A created bucket's name is generated from the stack and bucket names (`bucket_prefix`) and the stack id, so its
`.name` and `.arn` are known without referring to the bucket resource: a function the bucket notifies can name
the bucket in its environment and policies without a dependency cycle.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cfngen import names
from cfngen.definitions.checks import ACCOUNT, BUCKET_NAME, Where, existing_name
from cfngen.definitions.grants import ACTIONS, Grant, Statement, grant
from cfngen.definitions.refs import STACK_ID_VARIABLE, Reference
from cfngen.definitions.sources import Source
from cfngen.errors import SpecError

if TYPE_CHECKING:
    from cfngen.definitions.stack import Stack


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

    @property
    def name(self) -> Reference:
        """The bucket's name: the name given, or the generated one (see bucket_prefix), never `Ref` (a function
        the bucket notifies would make a cycle)."""
        if self.bucket_name is not None:
            return self._literal(self.bucket_name, "name")
        if self.stack is None:  # another stack's: its name is that stack's output
            return self._attr(names.bucket(self.ident), None, "name", names.bucket_name_output(self.ident))
        text = f"{bucket_prefix(self.stack, self)}-${{{STACK_ID_VARIABLE}}}-${{AWS::AccountId}}-${{AWS::Region}}"
        output = names.bucket_name_output(self.ident)
        return Reference(text, self.stack, f"{self.label} {self.ident}'s name", ((text, output),))

    @property
    def arn(self) -> Reference:
        return "arn:${AWS::Partition}:s3:::" + self.name

    def grant_read(self, fn: object) -> Grant:
        """GetObject on the bucket's objects, ListBucket on the bucket."""
        return grant(self, self.ident, fn, "read")

    def grant_write(self, fn: object) -> Grant:
        """PutObject, DeleteObject and AbortMultipartUpload on the bucket's objects."""
        return grant(self, self.ident, fn, "write")

    def grant_read_write(self, fn: object) -> Grant:
        """grant_read and grant_write."""
        return grant(self, self.ident, fn, "read_write")

    def grant_statements(self, access: str) -> list[Statement]:
        objects = (self.arn + "/*",)
        out = []
        if access in ("read", "read_write"):
            out += [
                Statement("s3", ACTIONS["s3", "read"], objects),
                Statement("s3", ACTIONS["s3", "list"], (self.arn,)),
            ]
        if access in ("write", "read_write"):
            out.append(Statement("s3", ACTIONS["s3", "write"], objects))
        return out

    @classmethod
    def from_name(cls, bucket_name: str, name: str | None = None, *, account: str | None = None) -> S3Bucket:
        """An existing bucket: the permission is emitted; its notification must be set where it is defined."""
        check_bucket_name(bucket_name, lambda msg: SpecError(msg, resource="S3Bucket.from_name"))
        if account is not None and not (isinstance(account, str) and re.fullmatch(ACCOUNT, account)):
            raise SpecError(f"account {account!r} is not allowed; allowed: 12 digits or ${{AWS::AccountId}}",
                            resource="S3Bucket.from_name", field="account")  # fmt: skip
        return cls(ident=existing_name(name, bucket_name), stack=None, bucket_name=bucket_name, account=account)


# via="eventbridge": each S3 event name as the EventBridge events S3 sends for it, (detail types, extra detail filter).
# "Object Deleted" covers deletes and lifecycle expirations alike; `reason` and `deletion-type` tell them apart.
_DELETED = "Object Deleted"
_CREATED = "Object Created"
EVENTBRIDGE_EVENTS: dict[str, tuple[tuple[str, ...], dict[str, list[str]]]] = {
    "s3:ObjectCreated:*": ((_CREATED,), {}),
    "s3:ObjectCreated:Put": ((_CREATED,), {"reason": ["PutObject"]}),
    "s3:ObjectCreated:Post": ((_CREATED,), {"reason": ["POST Object"]}),
    "s3:ObjectCreated:Copy": ((_CREATED,), {"reason": ["CopyObject"]}),
    "s3:ObjectCreated:CompleteMultipartUpload": ((_CREATED,), {"reason": ["CompleteMultipartUpload"]}),
    "s3:ObjectRemoved:*": ((_DELETED,), {"reason": ["DeleteObject"]}),
    "s3:ObjectRemoved:Delete": ((_DELETED,), {"reason": ["DeleteObject"], "deletion-type": ["Permanently Deleted"]}),
    "s3:ObjectRemoved:DeleteMarkerCreated": (
        (_DELETED,),
        {"reason": ["DeleteObject"], "deletion-type": ["Delete Marker Created"]},
    ),
    "s3:ObjectRestore:*": (("Object Restore Initiated", "Object Restore Completed", "Object Restore Expired"), {}),
    "s3:ObjectRestore:Post": (("Object Restore Initiated",), {}),
    "s3:ObjectRestore:Completed": (("Object Restore Completed",), {}),
    "s3:ObjectRestore:Delete": (("Object Restore Expired",), {}),
    "s3:LifecycleExpiration:*": ((_DELETED,), {"reason": ["Lifecycle Expiration"]}),
    "s3:LifecycleExpiration:Delete": (
        (_DELETED,),
        {"reason": ["Lifecycle Expiration"], "deletion-type": ["Permanently Deleted"]},
    ),
    "s3:LifecycleExpiration:DeleteMarkerCreated": (
        (_DELETED,),
        {"reason": ["Lifecycle Expiration"], "deletion-type": ["Delete Marker Created"]},
    ),
    "s3:LifecycleTransition": (("Object Storage Class Changed",), {}),
    "s3:IntelligentTiering": (("Object Access Tier Changed",), {}),
    "s3:ObjectTagging:*": (("Object Tags Added", "Object Tags Deleted"), {}),
    "s3:ObjectTagging:Put": (("Object Tags Added",), {}),
    "s3:ObjectTagging:Delete": (("Object Tags Deleted",), {}),
    "s3:ObjectAcl:Put": (("Object ACL Updated",), {}),
}
VIAS = ("s3", "eventbridge")


def check_eventbridge_route(where: Where, bucket: S3Bucket, events: tuple[str, ...]) -> None:
    """What via="eventbridge" needs: a bucket the stack does not create, in the stack's account (S3 sends its
    events to the owner's default bus), and events S3 sends to EventBridge."""
    if not bucket.existing:
        raise where.fail(
            "via",
            f"'eventbridge' is for buckets the stack does not create; {bucket.ident} is created here and notifies "
            "the function directly; allowed: via='s3' (the default) for a created bucket",
        )
    if bucket.account not in (None, "${AWS::AccountId}"):
        raise where.fail(
            "via",
            f"bucket {bucket.bucket_name} belongs to account {bucket.account}, and S3 sends its EventBridge events to "
            "the owner's default bus, not this stack's; allowed: a bucket of the stack's account",
            hint="forward the events with a rule in the owner's account, or use via='s3'",
        )
    for event in events:
        if event not in EVENTBRIDGE_EVENTS:
            raise where.fail(
                "events",
                f"{event} is not sent to EventBridge by S3; allowed with via='eventbridge': "
                + ", ".join(EVENTBRIDGE_EVENTS),
                hint="use via='s3' for replication and reduced-redundancy events",
            )


def eventbridge_pattern(bucket: Any, events: tuple[str, ...], prefix: str | None, suffix: str | None) -> dict[str, Any]:
    """The event pattern matching `events` on bucket `bucket` (a name, or the builder's value for one), with the
    prefix and suffix as key filters (both: one wildcard, since two matchers in a list would be OR)."""
    detail: dict[str, Any] = {"bucket": {"name": [bucket]}}
    if prefix and suffix:
        detail["object"] = {"key": [{"wildcard": f"{_escape(prefix)}*{_escape(suffix)}"}]}
    elif prefix or suffix:
        detail["object"] = {"key": [{"prefix": prefix} if prefix else {"suffix": suffix}]}
    groups: dict[str, tuple[list[str], dict[str, list[str]]]] = {}
    for event in events:
        types, extra = EVENTBRIDGE_EVENTS[event]
        kinds, _ = groups.setdefault(repr(sorted(extra.items())), ([], extra))
        kinds.extend(t for t in types if t not in kinds)
    alternatives = [{"detail-type": kinds, "detail": {**detail, **extra}} for kinds, extra in groups.values()]
    if len(alternatives) == 1:
        return {"source": ["aws.s3"], **alternatives[0]}
    return {"source": ["aws.s3"], "$or": alternatives}


def _escape(text: str) -> str:
    """A literal in an EventBridge wildcard: backslash and '*' escaped."""
    return text.replace("\\", "\\\\").replace("*", "\\*")


# "<prefix>-<8 hex>-<12-digit account>-<region>": no region name is longer than 16 characters, so a
# prefix of 24 keeps every rendered name within S3's 63 whatever stack, account and region deploy it.
BUCKET_PREFIX_MAX = 63 - len("-12345678-123456789012-") - 16
_RESERVED_PREFIXES = ("xn-", "sthree-", "amzn-s3-demo-")


def bucket_prefix(stack: Stack, bucket: S3Bucket) -> str:
    """The spec-derived start of a created bucket's name: `<stack>-<bucket>` lower-cased, cut to fit."""
    full = f"{stack.name}-{bucket.ident}".lower()
    prefix = re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]", "-", full)).strip("-")
    if len(prefix) > BUCKET_PREFIX_MAX or prefix.startswith(_RESERVED_PREFIXES):
        digest = hashlib.sha256(full.encode()).hexdigest()[:8]
        prefix = f"{prefix[: BUCKET_PREFIX_MAX - 9].rstrip('-')}-{digest}".lstrip("-")
        if prefix.startswith(_RESERVED_PREFIXES):
            prefix = f"b{digest}-{prefix[: BUCKET_PREFIX_MAX - 10].rstrip('-')}"
    return prefix


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
