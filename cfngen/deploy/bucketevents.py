"""Existing buckets routed through EventBridge (`via="eventbridge"`): does the bucket send its events there?

S3 sends a bucket's events to EventBridge only when its notification configuration has an
`EventBridgeConfiguration`; CloudFormation cannot set that on a bucket it does not manage. `deploy` checks each
routed bucket (GetBucketNotificationConfiguration) and, when it is off, says so with the exact command, or with
`--enable-bucket-eventbridge` turns it on: the bucket's configuration as read, plus EventBridge (a merge: its
topic, queue and function notifications stay). `status` reads the same state (`state`).

moto stores EventBridgeConfiguration but never returns it (probe:
test_bucket_eventbridge_configuration_is_stored_but_not_returned): on the emulator a bucket always reads as off.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from cfngen.definitions import S3Trigger, Stack
from cfngen.deploy import awserrors
from cfngen.errors import OperationFailed

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

    from cfngen.deploy.events import Io
    from cfngen.deploy.session import AwsClients

FLAG = "--enable-bucket-eventbridge"
_CONFIGURATIONS = ("TopicConfigurations", "QueueConfigurations", "LambdaFunctionConfigurations")


def state(s3: S3Client, bucket: str) -> tuple[bool, dict[str, Any]]:
    """(whether the bucket sends events to EventBridge, its notification configuration as PUT takes it).
    Raises ClientError when it cannot be read (no such bucket, access denied)."""
    read = s3.get_bucket_notification_configuration(Bucket=bucket)
    config = {k: v for k, v in read.items() if k in (*_CONFIGURATIONS, "EventBridgeConfiguration") and v}
    return "EventBridgeConfiguration" in read, config


def merged(config: dict[str, Any]) -> dict[str, Any]:
    """The configuration with EventBridge on and everything else as it was."""
    return {**config, "EventBridgeConfiguration": {}}


def command(bucket: str, config: dict[str, Any], region: str) -> str:
    """The aws CLI command that turns EventBridge on and keeps the bucket's other notifications."""
    body = json.dumps(merged(config), sort_keys=True, separators=(",", ":"))
    return (
        f"aws s3api put-bucket-notification-configuration --region {region} --bucket {shlex.quote(bucket)} "
        f"--notification-configuration {shlex.quote(body)}"
    )


def describe(s3: S3Client, bucket: str, region: str) -> dict[str, Any]:
    """For `status`: {"bucket", "eventbridge": True/False/None, "error" or "command"}."""
    try:
        on, config = state(s3, bucket)
    except ClientError as exc:
        return {"bucket": bucket, "eventbridge": None, "error": f"{awserrors.code(exc)}: {awserrors.message(exc)}"}
    return {"bucket": bucket, "eventbridge": on, "command": None if on else command(bucket, config, region)}


def routed(stacks: Sequence[Stack]) -> dict[str, list[str]]:
    """Bucket name (placeholders unresolved) -> the routes that need it: "<stack>.<trigger>"."""
    out: dict[str, list[str]] = {}
    for stack in stacks:
        for tr in stack.triggers:
            if isinstance(tr, S3Trigger) and tr.via == "eventbridge" and tr.source.bucket_name is not None:
                out.setdefault(tr.source.bucket_name, []).append(f"{stack.name}.{tr.name}")
    return out


def check(aws: AwsClients, stacks: Sequence[Stack], io: Io, *, enable: bool, dry_run: bool) -> None:
    """After a deploy: each routed bucket's EventBridge notifications, reported, or turned on with `enable`."""
    wanted = routed(stacks)
    if not wanted:
        return
    s3, region = aws.client("s3"), aws.region_name
    account = None
    for template, routes in wanted.items():
        if "${AWS::AccountId}" in template and account is None:
            account = str(aws.client("sts").get_caller_identity()["Account"])
        bucket = template.replace("${AWS::AccountId}", account or "").replace("${AWS::Region}", region)
        who = ", ".join(routes)
        try:
            on, config = state(s3, bucket)
        except ClientError as exc:
            problem = f"bucket {bucket} ({who}): cannot read its notification configuration: {awserrors.message(exc)}"
            if enable:
                raise OperationFailed(problem + "; EventBridge not turned on") from exc
            io.echo(f"note: {problem}")
            continue
        if on:
            io.echo(f"bucket {bucket} sends its events to EventBridge: {who} live")
        elif enable and dry_run:
            io.echo(f"bucket {bucket} ({who}): would turn on its EventBridge notifications (dry run)")
        elif enable:
            _turn_on(s3, bucket, config, who, io)
        else:
            io.echo(
                f"note: bucket {bucket} does not send its events to EventBridge, so {who} receives nothing; "
                f"turn it on (keeping its other notifications) with `cfngen deploy {FLAG}`, or:\n  "
                + command(bucket, config, region)
            )


def _turn_on(s3: S3Client, bucket: str, config: dict[str, Any], who: str, io: Io) -> None:
    kept = sum(len(config.get(k, [])) for k in _CONFIGURATIONS)
    try:
        # The destinations already configured were validated when they were set: not checked again, so a stale
        # one cannot stop EventBridge being turned on (it stays as it was).
        s3.put_bucket_notification_configuration(
            Bucket=bucket,
            NotificationConfiguration=merged(config),  # type: ignore[arg-type]
            SkipDestinationValidation=True,
        )
    except ClientError as exc:
        raise OperationFailed(
            f"bucket {bucket} ({who}): turning on EventBridge notifications failed: {awserrors.message(exc)}"
        ) from exc
    io.echo(
        f"bucket {bucket}: EventBridge notifications turned on for {who} "
        f"(its {kept} other notification configuration{'s' if kept != 1 else ''} kept)"
    )
