"""The one definition of a hardened S3 bucket: encrypted, private, owner-enforced, checkov's waivers attached.

Every bucket cfngen creates uses these properties: event-source buckets (sources.py) and the bootstrap
artifact bucket (deploy/bootstrap.py). The TLS-only bucket policy that goes with them is
iam.deny_insecure_transport. SSE-S3 (AES256), not SSE-KMS: it needs no key policy and costs nothing, and
an S3 Bucket Key only reduces KMS calls, so with AES256 BucketKeyEnabled would do nothing.
"""

from __future__ import annotations

from troposphere import s3

from cfngen.builders import scanner


def hardened_bucket_properties(*, versioned: bool = False) -> dict[str, object]:
    """Keyword arguments for s3.Bucket(**...): default encryption, every public access blocked, ACLs disabled,
    versioning when asked, and the Metadata waiving what checkov asks of a bucket that cfngen does not do."""
    versioning = {"VersioningConfiguration": s3.VersioningConfiguration(Status="Enabled")} if versioned else {}
    return {
        "BucketEncryption": s3.BucketEncryption(
            ServerSideEncryptionConfiguration=[
                s3.ServerSideEncryptionRule(
                    ServerSideEncryptionByDefault=s3.ServerSideEncryptionByDefault(SSEAlgorithm="AES256"),
                )
            ]
        ),
        "PublicAccessBlockConfiguration": s3.PublicAccessBlockConfiguration(
            BlockPublicAcls=True, BlockPublicPolicy=True, IgnorePublicAcls=True, RestrictPublicBuckets=True
        ),
        "OwnershipControls": s3.OwnershipControls(
            Rules=[s3.OwnershipControlsRule(ObjectOwnership="BucketOwnerEnforced")]
        ),
        **versioning,
        "Metadata": scanner.skips("no-access-logs", *([] if versioned else ["unversioned"])),
    }
