"""The bootstrap stack: one hardened artifact bucket per account and region, used when no --artifact-bucket
is given.

Function code and big templates must sit in a bucket in the stack's region, so cfngen owns one there,
hardened like every bucket it creates (private, encrypted, TLS-only; see docs/ARCHITECTURE.md). Objects are
named by content hash and only needed until Lambda has copied them, so old ones expire instead of
accumulating. The bucket (and its policy) are retained when the bootstrap stack is deleted: other
stacks' rollbacks may still need their artifacts.

This module renders the template and finds the deployed bucket; creating the stack is the deploy
engine's job.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError
from troposphere import GetAtt, Output, Parameter, Ref, Sub, Template, s3

from cfngen.builders import iam
from cfngen.builders.buckets import hardened_bucket_properties
from cfngen.deploy import awserrors
from cfngen.deploy.stacks import describe_stack
from cfngen.errors import OperationFailed

if TYPE_CHECKING:
    from cfngen.deploy.session import AwsClients

STACK_NAME = "cfngen-bootstrap"
BUCKET = "Bucket"  # logical id of the bucket
OUTPUT = "ArtifactBucket"
RETENTION_PARAMETER = "ArtifactRetentionDays"
DEFAULT_RETENTION_DAYS = 90
_NAME = "cfngen-artifacts-{account}-{region}"
# Deleted and never-created stacks report *_COMPLETE but hold no bucket.
_GONE = {"ROLLBACK_COMPLETE", "DELETE_COMPLETE"}


def bucket_name(account: str, region: str) -> str:
    """The name the template gives the bucket in `account` and `region`."""
    return _NAME.format(account=account, region=region)


def template() -> Template:
    t = Template(Description="cfngen artifact bucket: function zips and large templates, by content hash")
    retention = t.add_parameter(
        Parameter(
            RETENTION_PARAMETER,
            Type="Number",
            Default=DEFAULT_RETENTION_DAYS,
            MinValue=1,
            Description="Days after which an uploaded artifact is deleted (a later deploy uploads it again)",
        )
    )
    bucket = t.add_resource(
        s3.Bucket(
            BUCKET,
            BucketName=Sub(_NAME.format(account="${AWS::AccountId}", region="${AWS::Region}")),
            **hardened_bucket_properties(),
            # No VersioningConfiguration: keys are content hashes, never overwritten, and noncurrent
            # versions would keep expired artifacts (and their cost) alive.
            LifecycleConfiguration=s3.LifecycleConfiguration(
                Rules=[
                    s3.LifecycleRule(
                        Id="ExpireArtifacts",
                        Status="Enabled",
                        ExpirationInDays=Ref(retention),
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


def find(aws: AwsClients) -> str | None:
    """The bootstrap bucket of `aws`'s account and region, or None when there is no usable bootstrap stack.

    Only "stack does not exist" means None: any other error (throttling, access denied) propagates, so
    a flaky DescribeStacks can never make the caller create a second bootstrap stack.
    """
    cfn = aws.client("cloudformation")
    stack = describe_stack(cfn, STACK_NAME)
    if stack is None:
        return None
    status = str(stack.get("StackStatus", ""))
    if not status.endswith("_COMPLETE") or status in _GONE:
        return None
    for output in stack.get("Outputs") or []:
        if output.get("OutputKey") == OUTPUT and output.get("OutputValue"):
            return str(output["OutputValue"])
    # moto returns no Outputs for a stack created through a change set: ask for the resource instead.
    resources = cfn.describe_stack_resources(StackName=STACK_NAME, LogicalResourceId=BUCKET)["StackResources"]
    for resource in resources:
        if resource.get("LogicalResourceId") == BUCKET and resource.get("PhysicalResourceId"):
            return str(resource["PhysicalResourceId"])
    return None


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
