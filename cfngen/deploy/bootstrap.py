"""The bootstrap stack: one hardened artifact bucket per account and region, used when no --artifact-bucket
is given, kept usable by every deploy that relies on it.

Function code and big templates must sit in a bucket in the stack's region, so cfngen owns one there,
hardened like every bucket it creates (private, encrypted, TLS-only; see docs/ARCHITECTURE.md). Versioned,
so an object overwritten or deleted behind cfngen's back can be recovered; objects are named by content
hash and only needed until Lambda has copied them, so current versions expire after the retention period
and noncurrent ones the same number of days later, instead of accumulating. The bucket (and its policy)
are retained when the bootstrap stack is deleted: other stacks' rollbacks may still need their artifacts.

`ensure` is the bootstrap step of a deploy (and all of `cfngen bootstrap`):

1. look     DescribeStacks; a stack of that name that cfngen did not create is refused, never used or updated
            (the stack tag `cfngen:bootstrap` marks ours; before the tag existed, the template says so)
2. check    HeadBucket: a bucket deleted outside cfngen is restored by deleting the stack (it only retains)
            and creating it again; CloudFormation never re-creates a resource deleted behind its back, and
            an update of an unchanged template is "no updates"
3. upgrade  a stack made from an older bootstrap template is updated to this one (its retention kept)
4. create   no stack: reuse a bucket that outlived its stack, or create the stack through the deploy engine

An unchanged, intact bootstrap stack costs the DescribeStacks and one HeadBucket.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError
from troposphere import GetAtt, Output, Parameter, Ref, Sub, Template, s3

from cfngen.builders import iam
from cfngen.builders.buckets import hardened_bucket_properties
from cfngen.definitions.checks import BOOTSTRAP_STACK
from cfngen.deploy import awserrors
from cfngen.deploy.stacks import deployed_template, describe_stack
from cfngen.errors import CfngenError, OperationFailed

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_cloudformation.type_defs import StackTypeDef

    from cfngen.deploy.events import Io
    from cfngen.deploy.session import AwsClients

STACK_NAME = BOOTSTRAP_STACK
BUCKET = "Bucket"  # logical id of the bucket
OUTPUT = "ArtifactBucket"
RETENTION_PARAMETER = "ArtifactRetentionDays"
DEFAULT_RETENTION_DAYS = 90
# The mark: a stack tag (DescribeStacks returns it, so checking costs nothing) and the template's Metadata.
# Bump VERSION when the template changes: deploys then update older bootstrap stacks.
MARK = "cfngen:bootstrap"
VERSION = 2
DESCRIPTION = "cfngen artifact bucket: function zips and large templates, by content hash"  # also version 1's
_NAME = "cfngen-artifacts-{account}-{region}"
# Deleted and never-created stacks report *_COMPLETE but hold no bucket.
_GONE = {"ROLLBACK_COMPLETE", "DELETE_COMPLETE"}


def bucket_name(account: str, region: str) -> str:
    """The name the template gives the bucket in `account` and `region`."""
    return _NAME.format(account=account, region=region)


def tags() -> dict[str, str]:
    """The tags cfngen puts on the bootstrap stack: the mark it checks before using or updating one."""
    return {MARK: str(VERSION)}


def template() -> Template:
    t = Template(Description=DESCRIPTION)
    t.set_metadata({MARK: VERSION})
    retention = t.add_parameter(
        Parameter(
            RETENTION_PARAMETER,
            Type="Number",
            Default=DEFAULT_RETENTION_DAYS,
            MinValue=1,
            Description="Days after which an uploaded artifact is deleted (a later deploy uploads it again); "
            "a version replaced or deleted is kept that many days more",
        )
    )
    bucket = t.add_resource(
        s3.Bucket(
            BUCKET,
            BucketName=Sub(_NAME.format(account="${AWS::AccountId}", region="${AWS::Region}")),
            # Versioned: an artifact overwritten or deleted outside cfngen stays recoverable for the
            # retention period (deploys compare checksums and upload ours again; see artifacts.py).
            **hardened_bucket_properties(versioned=True),
            LifecycleConfiguration=s3.LifecycleConfiguration(
                Rules=[
                    # Expiration turns the current version noncurrent (a delete marker on top); the
                    # noncurrent version goes after as many days again; Expiration with Days also removes
                    # the delete marker once it is the only version left (an expired object delete marker).
                    s3.LifecycleRule(
                        Id="ExpireArtifacts",
                        Status="Enabled",
                        ExpirationInDays=Ref(retention),
                        NoncurrentVersionExpiration=s3.NoncurrentVersionExpiration(NoncurrentDays=Ref(retention)),
                        AbortIncompleteMultipartUpload=s3.AbortIncompleteMultipartUpload(DaysAfterInitiation=1),
                    )
                ]
            ),
            DeletionPolicy="Retain",
            UpdateReplacePolicy="Retain",
        )
    )
    t.add_resource(
        s3.BucketPolicy(
            f"{BUCKET}Policy",
            Bucket=Ref(bucket),
            PolicyDocument=iam.deny_insecure_transport(GetAtt(bucket, "Arn"), Sub(f"${{{BUCKET}.Arn}}/*")),
            # A retained bucket must stay TLS-only after the stack is gone.
            DeletionPolicy="Retain",
            UpdateReplacePolicy="Retain",
        )
    )
    t.add_output(Output(OUTPUT, Description="Bucket cfngen uploads artifacts to", Value=Ref(bucket)))
    return t


@dataclass(frozen=True)
class Deployed:
    """The bootstrap stack as deployed: its status, the template version it was made from, its bucket."""

    status: str
    version: int
    bucket: str | None  # None while the stack holds no usable bucket (never created, in progress, failed)
    parameters: dict[str, str] = field(default_factory=dict)


def lookup(aws: AwsClients) -> Deployed | None:
    """The bootstrap stack, or None when the account holds no stack of that name.

    Only "stack does not exist" means None: any other error (throttling, access denied) propagates, so
    a flaky DescribeStacks can never make the caller create a second bootstrap stack. A stack of that name
    that cfngen did not create is an error (OperationFailed), whatever its state.
    """
    cfn = aws.client("cloudformation")
    stack = describe_stack(cfn, STACK_NAME)
    if stack is None:
        return None
    version = _version(cfn, stack)
    status = str(stack.get("StackStatus", ""))
    parameters = {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])}
    usable = status.endswith("_COMPLETE") and status not in _GONE
    return Deployed(status, version, _bucket(cfn, stack) if usable else None, parameters)


def find(aws: AwsClients) -> str | None:
    """The bootstrap bucket of `aws`'s account and region, or None when there is no usable bootstrap stack.
    Read-only: it neither checks that the bucket still exists nor repairs anything (that is `ensure`)."""
    found = lookup(aws)
    return None if found is None else found.bucket


def ensure(aws: AwsClients, io: Io) -> str:
    """The bootstrap bucket, made usable: created on first use, restored when it was deleted outside
    cfngen, its stack updated when it was made from an older template. Raises when it cannot."""
    found = lookup(aws)
    if found is not None and found.bucket is not None:
        if bucket_exists(aws, found.bucket):
            if found.version < VERSION:
                io.echo(
                    f"updating {STACK_NAME} to bootstrap template version {VERSION} (was {found.version}): "
                    "versioned bucket, replaced versions expire with the artifacts"
                )
                _deploy(aws, io, found.parameters)
            return found.bucket
        return _restore(aws, io, found.bucket, found.parameters)
    if found is None:
        outlived = outlived_bucket(aws)
        if outlived is not None:
            io.echo(f"using {outlived}: it outlived its {STACK_NAME} stack (the bucket is retained)")
            return outlived
        io.echo(f"creating the artifact bucket stack {STACK_NAME} (first deploy in this account/region)")
    # A stack with no usable bucket (never created, rolled back, in progress, failed): the deploy engine
    # settles it (waits, deletes a never-created one, or refuses one it cannot fix) and creates the bucket.
    _deploy(aws, io, {} if found is None else found.parameters)
    return _created(aws)


def bucket_exists(aws: AwsClients, name: str) -> bool:
    """HeadBucket. Only a 404 is "gone"; a 403 (or any other answer) is an error, never read as absent."""
    try:
        aws.client("s3").head_bucket(Bucket=name)
    except ClientError as exc:
        if awserrors.is_not_found(exc):
            return False
        raise OperationFailed(
            f"cannot check the artifact bucket {name}: {awserrors.code(exc)}: {awserrors.message(exc)}",
            hint=f"grant s3:ListBucket on {name}" if awserrors.is_denied(exc) else None,
        ) from exc
    return True


def outlived_bucket(aws: AwsClients) -> str | None:
    """The bucket of a bootstrap stack that was deleted: it is retained (so deployed stacks keep their code)
    and its fixed name would make a new bootstrap stack fail. None when there is no such bucket.

    Only AWS's answer about the bucket is judged here; no credentials, no network and the like propagate.
    """
    if describe_stack(aws.client("cloudformation"), STACK_NAME) is not None:
        return None  # the stack exists (in some state): the deploy engine decides what to do with it
    account = str(aws.client("sts").get_caller_identity()["Account"])
    name = bucket_name(account, aws.region_name)
    try:
        aws.client("s3").head_bucket(Bucket=name)
    except ClientError as exc:
        if awserrors.is_not_found(exc):
            return None
        raise OperationFailed(
            f"bucket {name} exists but cannot be used: {awserrors.message(exc)}",
            hint="pass --artifact-bucket, or free the name",
        ) from exc
    return name


def _version(cfn: CloudFormationClient, stack: StackTypeDef) -> int:
    """The bootstrap template version `stack` was made from; OperationFailed when cfngen did not make it."""
    marked = {t["Key"]: t["Value"] for t in stack.get("Tags", [])}.get(MARK)
    if marked is not None and marked.isdigit():
        return int(marked)
    # No tag: made before the mark existed (version 1), or not ours. Only the template can tell (one
    # GetTemplate, once: the update to this version adds the tag).
    body = deployed_template(cfn, STACK_NAME)
    mark = body.get("Metadata", {}).get(MARK) if isinstance(body.get("Metadata"), dict) else None
    if isinstance(mark, int):
        return mark
    resource = body.get("Resources", {}).get(BUCKET, {})
    if body.get("Description") == DESCRIPTION and resource.get("Type") == "AWS::S3::Bucket":
        return 1
    raise OperationFailed(
        f"stack {STACK_NAME} was not created by cfngen (no {MARK} tag, and its template is not cfngen's "
        "bootstrap template): cfngen will neither use nor update it",
        hint=f"cfngen keeps its artifact bucket in the stack named {STACK_NAME}: deploy that stack of yours "
        "under another name and delete this one, or pass --artifact-bucket to use a bucket of your own",
    )


def _bucket(cfn: CloudFormationClient, stack: StackTypeDef) -> str | None:
    for output in stack.get("Outputs") or []:
        if output.get("OutputKey") == OUTPUT and output.get("OutputValue"):
            return str(output["OutputValue"])
    # moto returns no Outputs for a stack created through a change set: ask for the resource instead.
    resources = cfn.describe_stack_resources(StackName=STACK_NAME, LogicalResourceId=BUCKET)["StackResources"]
    for resource in resources:
        if resource.get("LogicalResourceId") == BUCKET and resource.get("PhysicalResourceId"):
            return str(resource["PhysicalResourceId"])
    return None


def _restore(aws: AwsClients, io: Io, bucket: str, parameters: dict[str, str]) -> str:
    """Re-create a bucket deleted behind the stack's back: delete the stack (bucket and policy are Retain,
    so CloudFormation touches neither) and create it again, retention kept."""
    from cfngen.deploy.engine import delete_stack

    io.echo(f"the artifact bucket {bucket} was deleted outside cfngen; restoring it (re-creating {STACK_NAME})")
    try:
        delete_stack(aws, STACK_NAME, io, timeout=None)
        _deploy(aws, io, parameters)
        return _created(aws)
    except CfngenError as exc:
        raise OperationFailed(
            f"the artifact bucket {bucket} was deleted outside cfngen and could not be restored: {exc.message}",
            hint=exc.hint
            or f"run `cfngen bootstrap` again, or delete the stack {STACK_NAME} (its bucket is retained) and rerun",
        ) from exc


def _deploy(aws: AwsClients, io: Io, deployed: dict[str, str]) -> None:
    from cfngen.deploy.engine import Options, Target, deploy_stack
    from cfngen.render import canonical_json

    kept = {k: v for k, v in deployed.items() if k == RETENTION_PARAMETER}  # the only parameter there is
    deploy_stack(aws, Target(STACK_NAME, canonical_json(template()), kept, tags=tags()), Options(), io)


def _created(aws: AwsClients) -> str:
    found = find(aws)
    if found is None:
        raise OperationFailed(f"{STACK_NAME} was deployed but has no bucket")
    return found
