"""What checkov (the scanner users run in CI) flags in cfngen's templates that is right as it is, and why.

Each waiver is a checkov check id and the reason a security reviewer would accept, in one table. Builders attach
them with `skip(resource, *waivers)` as checkov's own Metadata (`{"checkov": {"skip": [{"id", "comment"}]}}`), so
every template cfngen renders, the users' included, carries its explanations; `make scan` runs checkov on the
examples and the bootstrap template and fails on any finding that is neither fixed nor waived here.
"""

from __future__ import annotations

from typing import Any

WAIVERS: dict[str, tuple[str, str]] = {
    # Lambda functions
    "no-vpc": (
        "CKV_AWS_117",
        "not in a VPC: the function reaches only AWS APIs (TLS, IAM-signed); a VPC would add NAT cost and isolate "
        "nothing",
    ),
    "no-reserved-concurrency": (
        "CKV_AWS_115",
        "no reserved concurrency unless reserved_concurrency= is set: reserving takes capacity from the account's "
        "shared pool, which event-source mappings and retries already bound",
    ),
    "no-async-source": (
        "CKV_AWS_116",
        "no DLQ: nothing in the stack invokes it asynchronously; failed stream records go to the mapping's "
        "on_failure_arn, and on_failure= gives asynchronous callers a destination",
    ),
    "failure-destination": (
        "CKV_AWS_116",
        "failed asynchronous invocations go to the on_failure destination (AWS::Lambda::EventInvokeConfig), "
        "Lambda's successor to a DLQ",
    ),
    "environment-aws-key": (
        "CKV_AWS_173",
        "environment variables are encrypted at rest with Lambda's AWS-managed key and hold no secrets; kms_key= "
        "sets a customer-managed key",
    ),
    "logs-aws-key": (
        "CKV_AWS_158",
        "CloudWatch Logs encrypts every log group at rest; kms_key= on the function sets a customer-managed key",
    ),
    # Event sources
    "table-aws-key": (
        "CKV_AWS_119",
        "encrypted at rest with DynamoDB's AWS-owned key; kms_key= sets a customer-managed key",
    ),
    "queue-sqs-key": (
        "CKV_AWS_27",
        "encrypted at rest with SQS-managed keys (SqsManagedSseEnabled: SSE-SQS), which this check does not read; "
        "kms_key= sets a customer-managed key",
    ),
    # Buckets (builders/buckets.py: event-source buckets and the bootstrap artifact bucket)
    "no-access-logs": (
        "CKV_AWS_18",
        "no server access logs: they need a second bucket; object access is audited with CloudTrail data events",
    ),
    "unversioned": (
        "CKV_AWS_21",
        "unversioned: artifact keys are content hashes, never overwritten; event-source buckets take versioning=True",
    ),
}


def skips(*waivers: str) -> dict[str, Any]:
    """checkov's Metadata for the named waivers (keys of WAIVERS), in the order given."""
    return {"checkov": {"skip": [{"id": WAIVERS[w][0], "comment": WAIVERS[w][1]} for w in waivers]}}


def skip(resource: Any, *waivers: str) -> None:
    """Add the waivers to a troposphere resource's Metadata, keeping what is there."""
    if not waivers:
        return
    metadata = dict(getattr(resource, "Metadata", None) or {})
    metadata.update(skips(*waivers))
    resource.Metadata = metadata
