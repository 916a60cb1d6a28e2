"""Artifacts and bootstrap without a server: pure helpers, plus Stubber tests for what moto cannot show.

Every Stubber test says which AWS behaviour moto does not reproduce; everything moto does reproduce is
tested over HTTP in tests/integration/test_artifacts.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, NoCredentialsError
from botocore.stub import ANY, Stubber
from stubs import FakeAws, make_client

from cfngen.deploy import artifacts, bootstrap
from cfngen.deploy.events import Io
from cfngen.errors import OperationFailed, UsageError


@pytest.fixture
def s3() -> Iterator[tuple[Any, Stubber]]:
    client = make_client("s3")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


# --- pure helpers -------------------------------------------------------------------------------------


def test_artifact_key() -> None:
    assert artifacts.artifact_key("cfngen", "orders", "ab" * 32) == f"cfngen/orders/{'ab' * 32}.zip"
    assert artifacts.artifact_key("", "orders", "abc") == "orders/abc.zip"
    assert artifacts.artifact_key("team/x/", "orders", "abc") == "team/x/orders/abc.zip"
    assert artifacts.DEFAULT_PREFIX == "cfngen"


def test_template_key() -> None:
    assert artifacts.template_key("cfngen", "orders", "abc") == "cfngen/orders/templates/abc.json"
    assert artifacts.template_key("", "orders", "abc") == "orders/templates/abc.json"


def test_needs_url_counts_bytes_not_characters() -> None:
    assert not artifacts.needs_url("x" * artifacts.TEMPLATE_BODY_MAX)
    assert artifacts.needs_url("x" * (artifacts.TEMPLATE_BODY_MAX + 1))
    assert artifacts.needs_url("é" * (artifacts.TEMPLATE_BODY_MAX // 2 + 1))  # 2 bytes each in UTF-8


def test_template_over_cloudformation_limit_fails_before_any_request(s3: tuple[Any, Stubber]) -> None:
    client, _ = s3  # no responses queued: any request would fail the test
    with pytest.raises(UsageError, match="over CloudFormation's limit of 1,000,000"):
        artifacts.upload_template(client, "x" * (artifacts.TEMPLATE_URL_MAX + 1), "bucket", "cfngen", "big")


def test_bucket_name_matches_template() -> None:
    assert bootstrap.bucket_name("123456789012", "eu-west-1") == "cfngen-artifacts-123456789012-eu-west-1"
    bucket = bootstrap.template().to_dict()["Resources"][bootstrap.BUCKET]
    assert bucket["Properties"]["BucketName"] == {"Fn::Sub": "cfngen-artifacts-${AWS::AccountId}-${AWS::Region}"}


def test_bootstrap_template_is_hardened() -> None:
    t = bootstrap.template().to_dict()
    bucket = t["Resources"][bootstrap.BUCKET]
    props = bucket["Properties"]
    assert (bucket["DeletionPolicy"], bucket["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert set(props["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(props["PublicAccessBlockConfiguration"]) == 4
    rule = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule == {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}  # a Bucket Key needs SSE-KMS
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    (lifecycle,) = props["LifecycleConfiguration"]["Rules"]
    assert lifecycle["ExpirationInDays"] == {"Ref": "ArtifactRetentionDays"}
    assert lifecycle["NoncurrentVersionExpiration"] == {"NoncurrentDays": {"Ref": "ArtifactRetentionDays"}}
    assert lifecycle["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}
    assert t["Parameters"]["ArtifactRetentionDays"]["Default"] == 90
    policy = t["Resources"][f"{bootstrap.BUCKET}Policy"]
    assert policy["Properties"]["PolicyDocument"]["Statement"][0]["Condition"] == {
        "Bool": {"aws:SecureTransport": "false"}
    }
    assert t["Outputs"]["ArtifactBucket"]["Value"] == {"Ref": bootstrap.BUCKET}


def test_bootstrap_bucket_is_hardened_like_a_stacks_bucket() -> None:
    """One definition (builders/buckets.py) for both, so they cannot drift apart again."""
    golden = json.loads((Path(__file__).parents[1] / "golden" / "s3_push.json").read_text())
    stack_buckets = [r for r in golden["Resources"].values() if r["Type"] == "AWS::S3::Bucket"]
    bootstrap_bucket = bootstrap.template().to_dict()["Resources"][bootstrap.BUCKET]
    hardened = ("BucketEncryption", "PublicAccessBlockConfiguration", "OwnershipControls")
    assert stack_buckets
    for stack_bucket in stack_buckets:
        assert {k: bootstrap_bucket["Properties"][k] for k in hardened} == {
            k: stack_bucket["Properties"][k] for k in hardened
        }


def test_bootstrap_template_and_stack_carry_the_mark() -> None:
    assert bootstrap.template().to_dict()["Metadata"] == {"cfngen:bootstrap": bootstrap.VERSION}
    assert bootstrap.tags() == {"cfngen:bootstrap": str(bootstrap.VERSION)}
    assert bootstrap.VERSION == 2  # 1: before versioning and the mark


def test_bootstrap_template_is_deterministic() -> None:
    assert json.dumps(bootstrap.template().to_dict(), sort_keys=True) == json.dumps(
        bootstrap.template().to_dict(), sort_keys=True
    )


# --- Stubber: behaviours moto does not reproduce ------------------------------------------------------


def test_head_403_is_a_permission_error_not_absent(s3: tuple[Any, Stubber], tmp_path: Path) -> None:
    """moto has no IAM enforcement by default, so HEAD never answers 403 there.

    On AWS, HEAD without s3:ListBucket answers 403 even for a missing key; reading that as "absent" and
    uploading blind would hide the permission problem.
    """
    client, stubber = s3
    zip_path = tmp_path / "a.zip"
    zip_path.write_bytes(b"zip")
    stubber.add_client_error(
        "head_object", "403", "Forbidden", 403, expected_params={"Bucket": "bkt", "Key": "k", "ChecksumMode": "ENABLED"}
    )
    with pytest.raises(OperationFailed, match="no permission to read bucket bkt") as info:
        artifacts.upload(client, zip_path, "bkt", "k", sha256_hex="00" * 32)
    assert info.value.hint is not None and "s3:ListBucket" in info.value.hint


def test_head_other_error_is_operation_failed_with_aws_message(s3: tuple[Any, Stubber], tmp_path: Path) -> None:
    """moto cannot be made to fail a HEAD with a 5xx; AWS can (SlowDown, InternalError after retries)."""
    client, stubber = s3
    zip_path = tmp_path / "a.zip"
    zip_path.write_bytes(b"zip")
    stubber.add_client_error("head_object", "InternalError", "We encountered an internal error", 500)
    with pytest.raises(OperationFailed, match="cannot check s3://bkt/k: InternalError: We encountered"):
        artifacts.upload(client, zip_path, "bkt", "k", sha256_hex="00" * 32)


def test_checksum_mismatch_says_the_file_changed(s3: tuple[Any, Stubber], tmp_path: Path) -> None:
    """moto stores ChecksumSHA256 without checking it; AWS refuses a body that does not match (BadDigest)."""
    client, stubber = s3
    zip_path = tmp_path / "a.zip"
    zip_path.write_bytes(b"zip")
    stubber.add_client_error("head_object", "404", "Not Found", 404)
    stubber.add_client_error("put_object", "BadDigest", "The SHA256 you specified did not match the calculated", 400)
    with pytest.raises(OperationFailed, match="BadDigest") as info:
        artifacts.upload(client, zip_path, "bkt", "k", sha256_hex="00" * 32)
    assert info.value.hint is not None and "package again" in info.value.hint


def test_put_sends_checksum_and_kms_parameters(s3: tuple[Any, Stubber], tmp_path: Path) -> None:
    """moto ignores ChecksumSHA256 and accepts any KMS key id, so the exact request is checked here."""
    client, stubber = s3
    zip_path = tmp_path / "a.zip"
    zip_path.write_bytes(b"zip bytes")
    sha = hashlib.sha256(b"zip bytes")
    stubber.add_client_error("head_object", "NoSuchKey", "Not Found", 404)
    stubber.add_response(
        "put_object",
        {},
        {
            "Bucket": "bkt",
            "Key": "k",
            "Body": ANY,
            "ContentType": "application/zip",
            "ChecksumAlgorithm": "SHA256",
            "ChecksumSHA256": base64.b64encode(sha.digest()).decode(),
            "ServerSideEncryption": "aws:kms",
            "SSEKMSKeyId": "alias/artifacts",
        },
    )
    stored = artifacts.upload(client, zip_path, "bkt", "k", sha256_hex=sha.hexdigest(), kms_key_id="alias/artifacts")
    assert stored is artifacts.Stored.UPLOADED


def test_legacy_eu_location_means_eu_west_1(s3: tuple[Any, Stubber]) -> None:
    """moto refuses to create a bucket with the legacy "EU" constraint, which old AWS buckets still report."""
    client, stubber = s3
    stubber.add_response("get_bucket_location", {"LocationConstraint": "EU"}, {"Bucket": "old"})
    artifacts.check_bucket_region(client, "old", "eu-west-1")
    stubber.add_response("get_bucket_location", {"LocationConstraint": "EU"}, {"Bucket": "old"})
    with pytest.raises(UsageError, match="old is in eu-west-1, but the stack deploys to us-east-1"):
        artifacts.check_bucket_region(client, "old", "us-east-1")


def test_bucket_location_access_denied_is_operation_failed(s3: tuple[Any, Stubber]) -> None:
    """moto does not enforce IAM by default, so GetBucketLocation is never denied there."""
    client, stubber = s3
    stubber.add_client_error("get_bucket_location", "AccessDenied", "Access Denied", 403)
    with pytest.raises(OperationFailed, match="cannot find the region of artifact bucket bkt: AccessDenied"):
        artifacts.check_bucket_region(client, "bkt", "us-east-1")


@pytest.mark.parametrize(
    ("code", "message", "status"),
    [
        ("Throttling", "Rate exceeded", 400),
        ("AccessDenied", "User is not authorized to perform: cloudformation:DescribeStacks", 403),
    ],
)
def test_find_propagates_errors_other_than_missing(code: str, message: str, status: int) -> None:
    """moto never throttles or denies DescribeStacks.

    Reading a throttled DescribeStacks as "no bootstrap stack" would make the deploy create a second one.
    """
    cfn = make_client("cloudformation")
    with Stubber(cfn) as stubber:
        stubber.add_client_error(
            "describe_stacks", code, message, status, expected_params={"StackName": "cfngen-bootstrap"}
        )
        with pytest.raises(ClientError) as info:
            bootstrap.find(FakeAws({"cloudformation": cfn}))
    assert info.value.response["Error"]["Code"] == code


@pytest.mark.parametrize("status", ["ROLLBACK_COMPLETE", "DELETE_COMPLETE", "CREATE_IN_PROGRESS", "ROLLBACK_FAILED"])
def test_find_ignores_stacks_without_a_usable_bucket(status: str) -> None:
    """moto cannot put a stack into ROLLBACK_COMPLETE or hold one IN_PROGRESS: its stacks finish at once."""
    cfn = make_client("cloudformation")
    stack = {
        "StackName": bootstrap.STACK_NAME,
        "CreationTime": "2024-01-01T00:00:00Z",
        "StackStatus": status,
        "Outputs": [{"OutputKey": "ArtifactBucket", "OutputValue": "stale"}],
        "Tags": [{"Key": "cfngen:bootstrap", "Value": "2"}],
    }
    with Stubber(cfn) as stubber:
        stubber.add_response("describe_stacks", {"Stacks": [stack]})
        assert bootstrap.find(FakeAws({"cloudformation": cfn})) is None


IDENTITY = {"Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/ci", "UserId": "AIDAEXAMPLE"}


class NoCredentials:
    """An S3 client whose every call finds no credentials (a Stubber answers before credentials are looked up)."""

    def head_bucket(self, **_: Any) -> None:
        raise NoCredentialsError()


def test_outlived_bucket_lets_missing_credentials_through() -> None:
    """Not an AWS answer about the bucket, so not "exists but cannot be used": the CLI reports it as what it is
    (exit 1, "configure AWS credentials"). A Stubber cannot fail for want of credentials, moto never does."""
    cfn, sts = make_client("cloudformation"), make_client("sts")
    with Stubber(cfn) as cfn_stub, Stubber(sts) as sts_stub:
        cfn_stub.add_client_error(
            "describe_stacks", "ValidationError", "Stack with id cfngen-bootstrap does not exist", 400
        )
        sts_stub.add_response("get_caller_identity", IDENTITY)
        aws = FakeAws({"cloudformation": cfn, "sts": sts, "s3": NoCredentials()})
        with pytest.raises(NoCredentialsError):
            bootstrap.outlived_bucket(aws)


@pytest.mark.parametrize(("code", "status"), [("404", 404), ("NoSuchBucket", 404), ("NotFound", 404)])
def test_outlived_bucket_absent_is_none(code: str, status: int) -> None:
    """moto answers a missing bucket's HEAD with 404 only; AWS's other spellings are pinned here."""
    cfn, sts, s3 = make_client("cloudformation"), make_client("sts"), make_client("s3")
    with Stubber(cfn) as cfn_stub, Stubber(sts) as sts_stub, Stubber(s3) as s3_stub:
        cfn_stub.add_client_error("describe_stacks", "ValidationError", "Stack with id x does not exist", 400)
        sts_stub.add_response("get_caller_identity", IDENTITY)
        s3_stub.add_client_error("head_bucket", code, "Not Found", status)
        assert bootstrap.outlived_bucket(FakeAws({"cloudformation": cfn, "sts": sts, "s3": s3})) is None


def test_outlived_bucket_owned_by_someone_else_cannot_be_used() -> None:
    """AWS answers 403 for a bucket name another account owns; moto enforces no ownership."""
    cfn, sts, s3 = make_client("cloudformation"), make_client("sts"), make_client("s3")
    with Stubber(cfn) as cfn_stub, Stubber(sts) as sts_stub, Stubber(s3) as s3_stub:
        cfn_stub.add_client_error("describe_stacks", "ValidationError", "Stack with id x does not exist", 400)
        sts_stub.add_response("get_caller_identity", IDENTITY)
        s3_stub.add_client_error("head_bucket", "403", "Forbidden", 403)
        with pytest.raises(OperationFailed, match="exists but cannot be used") as raised:
            bootstrap.outlived_bucket(FakeAws({"cloudformation": cfn, "sts": sts, "s3": s3}))
    assert raised.value.exit_code == 1


# --- the bootstrap step: its cost, and the answers moto never gives ---------------------------------------

BOOTSTRAP_BUCKET = "cfngen-artifacts-123456789012-us-east-1"


def bootstrap_stack(*, tags: bool = True) -> dict[str, Any]:
    """An intact bootstrap stack as AWS describes it (with Outputs, unlike moto for a change-set stack)."""
    return {
        "StackName": bootstrap.STACK_NAME,
        "CreationTime": "2024-01-01T00:00:00Z",
        "StackStatus": "CREATE_COMPLETE",
        "Parameters": [{"ParameterKey": "ArtifactRetentionDays", "ParameterValue": "90"}],
        "Outputs": [{"OutputKey": "ArtifactBucket", "OutputValue": BOOTSTRAP_BUCKET}],
        "Tags": [{"Key": "cfngen:bootstrap", "Value": "2"}] if tags else [],
    }


def test_an_intact_bootstrap_stack_costs_a_describe_and_a_head_bucket() -> None:
    """The bootstrap step of every deploy without --artifact-bucket, on AWS (moto adds a
    DescribeStackResources for want of Outputs): these two calls, nothing written."""
    cfn, s3 = make_client("cloudformation"), make_client("s3")
    with Stubber(cfn) as cfn_stub, Stubber(s3) as s3_stub:
        cfn_stub.add_response("describe_stacks", {"Stacks": [bootstrap_stack()]}, {"StackName": "cfngen-bootstrap"})
        s3_stub.add_response("head_bucket", {}, {"Bucket": BOOTSTRAP_BUCKET})
        lines: list[str] = []
        assert bootstrap.ensure(FakeAws({"cloudformation": cfn, "s3": s3}), Io(echo=lines.append)) == BOOTSTRAP_BUCKET
        cfn_stub.assert_no_pending_responses()
        s3_stub.assert_no_pending_responses()
    assert lines == []


def test_bucket_check_denied_is_an_error_not_a_deleted_bucket() -> None:
    """moto enforces no IAM. On AWS HeadBucket without s3:ListBucket answers 403: reading that as "deleted"
    would re-create a bootstrap stack whose bucket is fine."""
    cfn, s3 = make_client("cloudformation"), make_client("s3")
    with Stubber(cfn) as cfn_stub, Stubber(s3) as s3_stub:
        cfn_stub.add_response("describe_stacks", {"Stacks": [bootstrap_stack()]})
        s3_stub.add_client_error("head_bucket", "403", "Forbidden", 403)
        with pytest.raises(OperationFailed, match=f"cannot check the artifact bucket {BOOTSTRAP_BUCKET}: 403") as info:
            bootstrap.ensure(FakeAws({"cloudformation": cfn, "s3": s3}), Io())
    assert info.value.hint == f"grant s3:ListBucket on {BOOTSTRAP_BUCKET}"


def test_a_throttled_template_read_is_not_taken_for_a_foreign_stack() -> None:
    """moto never throttles. An untagged stack is judged by its template; a GetTemplate that fails says
    nothing about whose stack it is, so the error propagates (the CLI reports it) instead of a refusal."""
    cfn = make_client("cloudformation")
    with Stubber(cfn) as stubber:
        stubber.add_response("describe_stacks", {"Stacks": [bootstrap_stack(tags=False)]})
        stubber.add_client_error("get_template", "Throttling", "Rate exceeded", 400)
        with pytest.raises(ClientError) as info:
            bootstrap.find(FakeAws({"cloudformation": cfn}))
    assert info.value.response["Error"]["Code"] == "Throttling"
