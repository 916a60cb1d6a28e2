"""Least-privilege IAM statements (awacs): exact actions, resources scoped to exact ARNs.

The only `*` resource emitted is for X-Ray, whose write actions support no resource-level scoping.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import awacs.aws as aws
from troposphere import GetAtt, Ref, Select, Split, Sub

from cfngen.definitions.refs import PSEUDO_NAMES, STACK_ID_VARIABLE, Reference

# The UUID's first segment (8 lower-case hex digits) of the stack id, e.g. 51af3dc0 in
# arn:aws:cloudformation:us-east-1:123456789012:stack/name/51af3dc0-da77-11e4-872e-1234567db123.
# It differs for every stack the template is deployed as, unlike the spec's stack name.
STACK_ID_HEAD = Select(0, Split("-", Select(2, Split("/", Ref("AWS::StackId")))))

Resource = Any  # a literal ARN or a troposphere intrinsic (GetAtt, Sub, Ref)
Statement = Any  # awacs is untyped

STREAM_READ = {
    # What Lambda's poller calls (AWSLambdaKinesisExecutionRole minus the account-wide ListStreams).
    "kinesis": ("DescribeStream", "DescribeStreamSummary", "GetRecords", "GetShardIterator", "ListShards"),
    "dynamodb": ("DescribeStream", "GetRecords", "GetShardIterator"),
    # What Lambda's poller calls on a queue (AWSLambdaSQSQueueExecutionRole).
    "sqs": ("ReceiveMessage", "DeleteMessage", "GetQueueAttributes"),
}


# Pseudo parameters that Fn::Sub resolves to a string; specs write them in ARNs, names and environment values.
_PSEUDO = re.compile(rf"\$\{{AWS::(?:{PSEUDO_NAMES})\}}")
_OTHER_PLACEHOLDER = re.compile(rf"\$\{{(?!AWS::(?:{PSEUDO_NAMES})\}})")
_LONE = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.([A-Za-z0-9.]+))?\}")
_TOKEN = re.compile(r"\$\{(?!!)")


def value(text: str | Reference) -> Any:
    """Strings that use ${AWS::...} pseudo parameters become Fn::Sub; others stay literal (a needless Fn::Sub
    is lint warning W1020). Inside the Fn::Sub every other `${` is written `${!`, so it stays literal text
    exactly as it does in a string without pseudo parameters.

    A Reference (definitions/refs.py) is `Ref` when it is one `${Id}`, `Fn::GetAtt` when one `${Id.Attr}`, its
    literal text when it names nothing, else `Fn::Sub` (with the stack-id variable a created bucket's name uses).
    """
    if isinstance(text, str):
        return Sub(_OTHER_PLACEHOLDER.sub("${!", text)) if _PSEUDO.search(text) else text
    sub = text.text
    lone = _LONE.fullmatch(sub)
    if lone is not None and lone.group(1) != STACK_ID_VARIABLE:
        return Ref(lone.group(1)) if lone.group(2) is None else GetAtt(lone.group(1), lone.group(2))
    if not _TOKEN.search(sub):
        return sub.replace("${!", "${")
    if f"${{{STACK_ID_VARIABLE}}}" in sub:
        return Sub(sub, **{STACK_ID_VARIABLE: STACK_ID_HEAD})
    return Sub(sub)


def allow(service: str, actions: Sequence[str], resources: Sequence[Resource]) -> Statement:
    return aws.Statement(
        Effect=aws.Allow,
        Action=[aws.Action(service, a) for a in actions],
        Resource=list(resources),
    )


def document(statements: Sequence[Statement]) -> aws.PolicyDocument:
    return aws.PolicyDocument(Version="2012-10-17", Statement=list(statements))


def assume_role(service: str) -> aws.PolicyDocument:
    return document(
        [
            aws.Statement(
                Effect=aws.Allow,
                Action=[aws.Action("sts", "AssumeRole")],
                Principal=aws.Principal("Service", [service]),
            )
        ]
    )


def send_to(arn: str) -> Statement:
    """Permission to deliver failed events to an SQS queue or SNS topic."""
    if ":sqs:" in arn:
        return allow("sqs", ["SendMessage"], [value(arn)])
    return allow("sns", ["Publish"], [value(arn)])


def user_statement(st: Mapping[str, Any]) -> Statement:
    """A statement from the spec's `policies`, already validated there."""
    kwargs: dict[str, Any] = {
        "Effect": aws.Allow if st["Effect"] == "Allow" else aws.Deny,
        "Action": [aws.Action(*a.split(":", 1)) for a in st["Action"]],
        "Resource": [value(r) for r in st["Resource"]],
    }
    if "Sid" in st:
        kwargs["Sid"] = st["Sid"]
    if "Condition" in st:
        kwargs["Condition"] = aws.Condition(
            [getattr(aws, op.replace(":", ""))(dict(values)) for op, values in sorted(st["Condition"].items())]
        )
    return aws.Statement(**kwargs)


def deny_insecure_transport(*arns: Resource, service: str = "s3") -> aws.PolicyDocument:
    """Bucket or queue policy: refuse any request not made over TLS (a Deny, so `s3:*` / `sqs:*` is the point)."""
    return document(
        [
            aws.Statement(
                Sid="DenyInsecureTransport",
                Effect=aws.Deny,
                Principal=aws.Principal("*"),
                Action=[aws.Action(service, "*")],
                Resource=list(arns),
                Condition=aws.Condition(aws.Bool({"aws:SecureTransport": "false"})),
            )
        ]
    )
