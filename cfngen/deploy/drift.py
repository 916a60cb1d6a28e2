"""Functions changed behind cfngen's back: deleted, or their code replaced outside CloudFormation.

CloudFormation does not notice either: the stack's template and parameters still match, so a deploy would
say "up to date". Before that verdict the engine reads each function's CodeSha256 (Lambda reports the
base64 of the zip's SHA-256; cfngen's code keys end in its hex, see artifacts.artifact_key) and compares.

Cost on an existing stack with N functions: one ListStackResources page (per 100 resources) and N
GetFunctionConfiguration calls; none when the template has no function whose code key names a SHA-256.
A replaced code is restored (UpdateFunctionCode with the key the stack already names, then Lambda's own
`function_updated_v2` waiter); a deleted function cannot be brought back by an update, so the deploy stops
and says what to do.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from cfngen.deploy import awserrors
from cfngen.deploy.stacks import stack_resources
from cfngen.errors import OperationFailed

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient

    from cfngen.deploy.session import AwsClients

_SHA_KEY = re.compile(r"([0-9a-f]{64})\.zip$")


@dataclass(frozen=True)
class Drifted:
    logical_id: str
    name: str  # the function's physical name
    bucket: str
    key: str
    expected: str  # hex SHA-256 of the zip the stack names
    deployed: str | None  # hex SHA-256 Lambda reports; None: the function is gone

    def describe(self) -> str:
        if self.deployed is None:
            return f"function {self.logical_id} ({self.name}) no longer exists (deleted outside CloudFormation)"
        return (
            f"function {self.logical_id} ({self.name}) runs code {self.deployed[:12]}, not the stack's "
            f"{self.expected[:12]} (replaced outside CloudFormation)"
        )


def expected_code(template: Mapping[str, Any], parameters: Mapping[str, str]) -> dict[str, tuple[str, str, str]]:
    """Function logical id -> (bucket, key, hex sha256), for functions whose code comes from cfngen's keys."""
    found = {}
    for logical, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::Lambda::Function":
            continue
        code = resource.get("Properties", {}).get("Code", {})
        bucket, key = (parameters.get(_ref(code.get(k))) for k in ("S3Bucket", "S3Key"))
        if bucket and key and (sha := _SHA_KEY.search(key)):
            found[str(logical)] = (bucket, key, sha.group(1))
    return found


def _ref(value: Any) -> str:
    return str(value.get("Ref", "")) if isinstance(value, dict) else ""


def find(
    aws: AwsClients, cfn: CloudFormationClient, stack: str, template: Mapping[str, Any], parameters: Mapping[str, str]
) -> list[Drifted]:
    """The functions of the deployed `stack` whose code is not the zip `parameters` name (or that are gone)."""
    expected = expected_code(template, parameters)
    if not expected:
        return []
    physical = {
        str(r["LogicalResourceId"]): str(r["PhysicalResourceId"])
        for r in stack_resources(cfn, stack)
        if r.get("PhysicalResourceId") and r.get("LogicalResourceId") in expected
    }
    lam = aws.client("lambda")
    drifted = []
    for logical, name in sorted(physical.items()):
        bucket, key, sha = expected[logical]
        try:
            deployed: str | None = base64.b64decode(
                lam.get_function_configuration(FunctionName=name)["CodeSha256"]
            ).hex()
        except ClientError as exc:
            if not awserrors.is_resource_missing(exc):
                raise
            deployed = None
        if deployed != sha:
            drifted.append(Drifted(logical, name, bucket, key, sha, deployed))
    return drifted


def refuse_missing(stack: str, drifted: list[Drifted]) -> None:
    gone = [d for d in drifted if d.deployed is None]
    if gone:
        raise OperationFailed(
            f"{stack}: " + "; ".join(d.describe() for d in gone) + ". CloudFormation does not notice, and an "
            "update cannot recreate it; nothing deployed",
            hint=f"recreate it through CloudFormation: `cfngen delete {stack}` and deploy again, or remove the "
            "function from the stack, deploy, add it back and deploy again",
        )


def restore(aws: AwsClients, drifted: list[Drifted]) -> None:
    """Put back the code the stack names (its key is in the artifact bucket: the caller uploaded it)."""
    lam = aws.client("lambda")
    for d in drifted:
        lam.update_function_code(FunctionName=d.name, S3Bucket=d.bucket, S3Key=d.key)
        lam.get_waiter("function_updated_v2").wait(FunctionName=d.name, WaiterConfig={"Delay": 1, "MaxAttempts": 120})
