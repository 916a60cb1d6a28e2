"""Artifacts and the bootstrap bucket against a moto server over HTTP.

moto does not check ChecksumSHA256, IAM, throttling or the legacy "EU" location: those are covered with
Stubber in tests/unit/test_artifacts_stubbed.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from cfngen.deploy import artifacts, bootstrap
from cfngen.deploy.session import Aws
from cfngen.errors import OperationFailed, UsageError
from cfngen.lint import Linter
from cfngen.package import Artifact, package
from cfngen.render import canonical_json

BUCKET = "artifacts-bucket"


def count_calls(client: Any, operation: str) -> list[dict[str, Any]]:
    """Every call of `operation` the client makes from now on, with its parameters."""
    calls: list[dict[str, Any]] = []
    client.meta.events.register(f"before-call.s3.{operation}", lambda params, **_: calls.append(params))
    return calls


@pytest.fixture
def s3(moto_reset: Any) -> Any:
    client = moto_reset.client("s3")
    client.create_bucket(Bucket=BUCKET)
    return client


@pytest.fixture
def artifact(tmp_path: Path) -> Artifact:
    code = tmp_path / "code"
    code.mkdir()
    (code / "app.py").write_text("def handler(event, context):\n    return event\n")
    return package(code, runtime="python3.12", build_dir=tmp_path / "build")


def test_upload_then_skip_when_present(s3: Any, artifact: Artifact) -> None:
    key = artifacts.artifact_key(artifacts.DEFAULT_PREFIX, "orders", artifact.sha256)
    puts = count_calls(s3, "PutObject")
    assert artifacts.upload(s3, artifact.path, BUCKET, key, sha256_hex=artifact.sha256) is artifacts.Stored.UPLOADED
    assert artifacts.upload(s3, artifact.path, BUCKET, key, sha256_hex=artifact.sha256) is artifacts.Stored.PRESENT
    assert len(puts) == 1
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == artifact.path.read_bytes()


def test_checksum_is_accepted_and_stored(s3: Any, artifact: Artifact) -> None:
    key = artifacts.artifact_key("", "orders", artifact.sha256)
    assert key == f"orders/{artifact.sha256}.zip"
    artifacts.upload(s3, artifact.path, BUCKET, key, sha256_hex=artifact.sha256)
    head = s3.head_object(Bucket=BUCKET, Key=key, ChecksumMode="ENABLED")
    expected = base64.b64encode(hashlib.sha256(artifact.path.read_bytes()).digest()).decode()
    assert head["ChecksumSHA256"] == expected
    assert head["ContentType"] == "application/zip"
    assert head["ContentLength"] == artifact.size


def test_kms_key_is_requested(s3: Any, artifact: Artifact) -> None:
    key = artifacts.artifact_key("cfngen", "orders", artifact.sha256)
    artifacts.upload(s3, artifact.path, BUCKET, key, sha256_hex=artifact.sha256, kms_key_id="alias/artifacts")
    head = s3.head_object(Bucket=BUCKET, Key=key)
    assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms", "alias/artifacts")


def test_upload_to_missing_bucket_fails_with_aws_message(moto_reset: Any, artifact: Artifact) -> None:
    s3 = moto_reset.client("s3")
    with pytest.raises(OperationFailed, match="cannot upload s3://no-such-bucket/k: NoSuchBucket"):
        artifacts.upload(s3, artifact.path, "no-such-bucket", "k", sha256_hex=artifact.sha256)


def test_bucket_region_matches(s3: Any, moto_reset: Any) -> None:
    artifacts.check_bucket_region(s3, BUCKET, "us-east-1")  # LocationConstraint None means us-east-1
    eu = moto_reset.client("s3", region_name="eu-west-1")
    eu.create_bucket(Bucket="eu-artifacts", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    artifacts.check_bucket_region(s3, "eu-artifacts", "eu-west-1")


def test_bucket_region_mismatch_is_usage_error(moto_reset: Any) -> None:
    eu = moto_reset.client("s3", region_name="eu-west-1")
    eu.create_bucket(Bucket="eu-artifacts", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    us = moto_reset.client("s3", region_name="us-east-1")
    with pytest.raises(UsageError, match="eu-artifacts is in eu-west-1, but the stack deploys to us-east-1") as info:
        artifacts.check_bucket_region(us, "eu-artifacts", "us-east-1")
    assert info.value.exit_code == 2
    assert info.value.hint is not None and "us-east-1" in info.value.hint


def test_missing_bucket_is_usage_error(moto_reset: Any) -> None:
    s3 = moto_reset.client("s3")
    with pytest.raises(UsageError, match="artifact bucket no-such-bucket does not exist") as info:
        artifacts.check_bucket_region(s3, "no-such-bucket", "us-east-1")
    assert info.value.hint == "create it, or omit --artifact-bucket to use the bootstrap bucket (cfngen bootstrap)"


def big_template() -> str:
    """Over TemplateBody's 51,200 bytes, valid for CloudFormation, one cheap resource."""
    padding = {
        f"Padding{i:03d}": {"Type": "String", "Default": "x" * 200, "Description": "makes the template big"}
        for i in range(250)
    }
    text = json.dumps({"Parameters": padding, "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}}, indent=1)
    assert artifacts.needs_url(text)
    return text


def test_big_template_url_is_accepted_by_cloudformation(s3: Any, moto_reset: Any) -> None:
    text = big_template()
    puts = count_calls(s3, "PutObject")
    url = artifacts.upload_template(s3, text, BUCKET, "cfngen", "big")
    sha = hashlib.sha256(text.encode()).hexdigest()
    assert url == f"{moto_reset.endpoint_url}/{BUCKET}/cfngen/big/templates/{sha}.json"
    assert artifacts.upload_template(s3, text, BUCKET, "cfngen", "big") == url  # second time: HEAD only
    assert len(puts) == 1

    cfn = moto_reset.client("cloudformation")
    cfn.create_stack(StackName="big", TemplateURL=url)
    assert cfn.describe_stacks(StackName="big")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    deployed = cfn.get_template(StackName="big")["TemplateBody"]
    assert (deployed if isinstance(deployed, dict) else json.loads(deployed)) == json.loads(text)


def aws_for(server: Any) -> Aws:
    return Aws(region=server.region, endpoint_url=server.endpoint_url, base=server.session())


def test_find_without_bootstrap_stack_is_none(moto_reset: Any) -> None:
    assert bootstrap.find(aws_for(moto_reset)) is None


def test_bootstrap_stack_created_and_found(moto_reset: Any) -> None:
    cfn = moto_reset.client("cloudformation")
    cfn.create_stack(StackName=bootstrap.STACK_NAME, TemplateBody=canonical_json(bootstrap.template()))
    name = bootstrap.find(aws_for(moto_reset))
    assert name == bootstrap.bucket_name(moto_reset.account_id, moto_reset.region)
    moto_reset.client("s3").head_bucket(Bucket=name)


def test_bootstrap_stack_from_change_set_found_through_resources(moto_reset: Any) -> None:
    """How the deploy engine creates it; moto then returns no Outputs, so find() asks for the resource."""
    cfn = moto_reset.client("cloudformation")
    cfn.create_change_set(
        StackName=bootstrap.STACK_NAME,
        ChangeSetName="bootstrap",
        ChangeSetType="CREATE",
        TemplateBody=canonical_json(bootstrap.template()),
    )
    cfn.get_waiter("change_set_create_complete").wait(
        StackName=bootstrap.STACK_NAME, ChangeSetName="bootstrap", WaiterConfig={"Delay": 1}
    )
    cfn.execute_change_set(StackName=bootstrap.STACK_NAME, ChangeSetName="bootstrap")
    assert bootstrap.find(aws_for(moto_reset)) == bootstrap.bucket_name(moto_reset.account_id, moto_reset.region)


def test_bootstrap_template_is_lint_clean() -> None:
    linter = Linter(["us-east-1", "eu-west-1", "ap-southeast-2"])  # one rule load for all three regions
    findings = linter.lint(canonical_json(bootstrap.template()))
    assert [str(f) for f in findings if f.severity in {"error", "warning"}] == []
