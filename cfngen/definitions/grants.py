"""Grants: `table.grant_read_write(fn)` and its siblings, each an access level with its exact IAM actions.

The action lists are data, written once here (`ACTIONS`), and checked against cfn-lint's IAM action list in
tests/unit/test_grants.py, so a misspelled action fails the build. What each grant's statements are scoped to
(a table and its indexes, a bucket's objects and the bucket for ListBucket, a queue, a topic, a stream, a secret,
a parameter, a customer-managed key) is `Grant.statements`, from the target's references; the builders render
them into the function's role (builders/grants.py), leaving out what an event source of the same resource already
grants.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from cfngen.definitions.refs import Reference, literal
from cfngen.errors import SpecError

if TYPE_CHECKING:
    from cfngen.definitions.function import Function
    from cfngen.definitions.stack import Stack

# (service, access level) -> IAM actions, as IAM spells them. Least privilege: what the level's API calls need.
ACTIONS: dict[tuple[str, str], tuple[str, ...]] = {
    ("dynamodb", "read"): ("BatchGetItem", "ConditionCheckItem", "DescribeTable", "GetItem", "Query", "Scan"),
    ("dynamodb", "write"): ("BatchWriteItem", "DeleteItem", "DescribeTable", "PutItem", "UpdateItem"),
    ("s3", "read"): ("GetObject",),
    ("s3", "list"): ("ListBucket",),
    ("s3", "write"): ("AbortMultipartUpload", "DeleteObject", "PutObject"),
    ("sqs", "send"): ("GetQueueAttributes", "GetQueueUrl", "SendMessage"),
    ("sqs", "consume"): (
        "ChangeMessageVisibility",
        "DeleteMessage",
        "GetQueueAttributes",
        "GetQueueUrl",
        "ReceiveMessage",
    ),
    ("sns", "publish"): ("Publish",),
    ("kinesis", "read"): ("DescribeStream", "DescribeStreamSummary", "GetRecords", "GetShardIterator", "ListShards"),
    ("kinesis", "write"): ("DescribeStreamSummary", "ListShards", "PutRecord", "PutRecords"),
    ("secretsmanager", "read"): ("DescribeSecret", "GetSecretValue"),
    ("ssm", "read"): ("GetParameter", "GetParameters"),
    ("ssm", "read_path"): ("GetParametersByPath",),  # on the path itself; GetParameter(s) on what is under it
    # A customer-managed key: reading data encrypted with it, and writing (which makes data keys).
    ("kms", "decrypt"): ("Decrypt",),
    ("kms", "encrypt"): ("Decrypt", "Encrypt", "GenerateDataKey"),  # a table's items
    ("kms", "produce"): ("Decrypt", "GenerateDataKey"),  # sending to a queue, publishing to a topic
}


@dataclass(frozen=True)
class Statement:
    """One Allow: a service's actions on resources (references, so they render as Ref/GetAtt/Sub)."""

    service: str
    actions: tuple[str, ...]
    resources: tuple[Reference, ...]


class Grantable(Protocol):
    """What a grant targets: a source of a stack, or an existing secret or parameter."""

    @property
    def stack(self) -> Stack | None: ...

    @property
    def label(self) -> str: ...

    def grant_statements(self, access: str) -> list[Statement]: ...


@dataclass(frozen=True, eq=False)
class Grant:
    function: Function
    target: Grantable
    access: str  # the level, e.g. "read", "read_write", "send"

    def statements(self) -> list[Statement]:
        return self.target.grant_statements(self.access)


def grant(target: Grantable, ident: str, fn: object, access: str) -> Grant:
    """Record that `fn` may use `target` at `access`; the same grant twice is recorded once."""
    from cfngen.definitions.function import Function

    method = f"grant_{access}"
    if not isinstance(fn, Function):
        raise SpecError(
            f"{fn!r} is not allowed; allowed: a function from stack.function(...)",
            resource=f"{ident}.{method}",
            field="function",
        )
    fn.stack._check_open()
    target = fn.stack.bind(target)  # another stack's source: its ARN is imported
    for existing in fn.grants:
        if existing.target is target and existing.access == access:
            return existing
    made = Grant(fn, target, access)
    fn.grants.append(made)
    return made


def kms(key: str | None, access: str) -> list[Statement]:
    """The key's statement when data is encrypted with a customer-managed key (`key` is its ARN)."""
    if key is None:
        return []
    return [Statement("kms", ACTIONS["kms", access], (literal(key, "the key"),))]
