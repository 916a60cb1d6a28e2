"""The shared vocabulary of spec validation: where a check runs, what is allowed, how a refusal reads.

`Where` turns a failed check into a SpecError naming the stack file, stack, resource and field. The
patterns and tables here (names, ARNs, placeholders, S3 events, option names) are what every definition
call is judged against; they live in one place so sources, triggers, functions and stacks refuse the
same things in the same words. Each definition's own checks live beside it (sources, triggers, function);
the option names each call accepts come from those definitions' fields.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from cfngen.errors import SpecError

if TYPE_CHECKING:
    from cfngen.definitions.stack import Stack

STACK_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,127}")
# cfngen's own stack (its artifact bucket, deploy/bootstrap.py): no user stack may take the name.
BOOTSTRAP_STACK = "cfngen-bootstrap"
RESOURCE_NAME = re.compile(r"[A-Z][A-Za-z0-9]{0,63}")
PLACEHOLDERS = ("${AWS::Region}", "${AWS::AccountId}", "${AWS::Partition}")

_PARTITION = r"(?:aws[a-z-]*|\$\{AWS::Partition\})"
_REGION = r"(?:[a-z]{2}(?:-[a-z]+)+-\d|\$\{AWS::Region\})"
ACCOUNT = r"(?:\d{12}|\$\{AWS::AccountId\})"
ARN = {  # an ARN of each kind that definitions accept, placeholders allowed
    "kinesis": re.compile(rf"arn:{_PARTITION}:kinesis:{_REGION}:{ACCOUNT}:stream/[A-Za-z0-9_.-]{{1,128}}"),
    "dynamodb": re.compile(
        rf"arn:{_PARTITION}:dynamodb:{_REGION}:{ACCOUNT}:table/[A-Za-z0-9_.-]{{3,255}}/stream/[A-Za-z0-9:._-]+"
    ),
    "sns": re.compile(rf"arn:{_PARTITION}:sns:{_REGION}:{ACCOUNT}:[A-Za-z0-9_-]{{1,256}}"),
    "sqs": re.compile(rf"arn:{_PARTITION}:sqs:{_REGION}:{ACCOUNT}:[A-Za-z0-9_-]{{1,80}}(?:\.fifo)?"),
    "layer": re.compile(rf"arn:{_PARTITION}:lambda:{_REGION}:{ACCOUNT}:layer:[A-Za-z0-9_-]{{1,140}}:\d+"),
    # A function, optionally with a version or alias, and an EventBridge bus: asynchronous invocation destinations.
    "lambda": re.compile(
        rf"arn:{_PARTITION}:lambda:{_REGION}:{ACCOUNT}:function:[A-Za-z0-9_-]{{1,64}}(?::(?:\$LATEST|[A-Za-z0-9_-]{{1,128}}))?"
    ),
    "events": re.compile(rf"arn:{_PARTITION}:events:{_REGION}:{ACCOUNT}:event-bus/[A-Za-z0-9._/-]{{1,256}}"),
    # A secret by its full ARN: Secrets Manager appends '-' and six characters to the name (group 1).
    "secret": re.compile(
        rf"arn:{_PARTITION}:secretsmanager:{_REGION}:{ACCOUNT}:secret:([A-Za-z0-9/_+=.@-]{{1,512}})-[A-Za-z0-9]{{6}}"
    ),
    # A customer-managed key by key ARN (IAM grants and CloudWatch Logs need the key itself, not an alias).
    "kms-key": re.compile(rf"arn:{_PARTITION}:kms:{_REGION}:{ACCOUNT}:key/(?:mrk-[0-9a-f]{{32}}|[0-9a-f-]{{36}})"),
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
class Where:
    """Where a check runs, so every SpecError says stack file, stack, resource and field.

    Its methods check one value each and return it (normalised where said), or raise the SpecError.
    """

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
            self.placeholders(fld, value)
            if any(ARN[k].fullmatch(value) for k in kinds):
                return value
        shapes = {
            "kinesis": "arn:aws:kinesis:REGION:ACCOUNT:stream/NAME",
            "dynamodb": "arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL",
            "sns": "arn:aws:sns:REGION:ACCOUNT:NAME",
            "sqs": "arn:aws:sqs:REGION:ACCOUNT:NAME",
            "layer": "arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION",
            "lambda": "arn:aws:lambda:REGION:ACCOUNT:function:NAME",
            "events": "arn:aws:events:REGION:ACCOUNT:event-bus/NAME",
            "kms-key": "arn:aws:kms:REGION:ACCOUNT:key/KEY-ID (a customer-managed key's ARN)",
        }
        raise self.fail(
            fld,
            f"{value!r} is not a valid ARN; allowed: {' or '.join(shapes[k] for k in kinds)}",
            hint=f"REGION, ACCOUNT and the partition may be written {', '.join(PLACEHOLDERS)}",
        )

    def placeholders(self, fld: str, value: str) -> None:
        """Refuse any ${...} in `value` but the three placeholders CloudFormation's Fn::Sub resolves for us."""
        for found in re.findall(r"\$\{[^}]*\}", value):
            if found not in PLACEHOLDERS:
                raise self.fail(
                    fld, f"placeholder {found} in {value!r} is not supported; allowed: {', '.join(PLACEHOLDERS)}"
                )

    def reject_unknown(self, given: Mapping[str, object], allowed: Iterable[str], what: str) -> None:
        """Refuse the first key of `given` that is not in `allowed`, suggesting the nearest allowed name."""
        names = sorted(allowed)
        for key in given:
            if key not in names:
                near = difflib.get_close_matches(key, names, n=1)
                raise self.fail(
                    key,
                    f"is not an option of {what}; allowed: {', '.join(names)}",
                    hint=f"did you mean {near[0]!r}?" if near else None,
                )

    def json(self, fld: str, value: object) -> str:
        """`value` as canonical JSON (sorted keys, no spaces), refusing what JSON cannot carry."""
        try:
            return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise self.fail(
                fld, f"{value!r} is not JSON-serialisable ({exc}); allowed: dicts, lists, str, numbers, booleans"
            ) from exc


# -- existing resources (from_arn / from_name): no stack to name in an error, so the class method is named


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


def _camel(text: str) -> str:
    """Readable logical-id part from a physical name: 'cfngen-demo-clicks' -> 'CfngenDemoClicks'."""
    parts = re.split(r"[^A-Za-z0-9]+", text)
    name = "".join(p[:1].upper() + p[1:] for p in parts if p)
    return name if name[:1].isalpha() else f"S{name}"
