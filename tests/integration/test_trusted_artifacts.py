"""Artifacts you can trust: checksums over the HEAD-skip, a bootstrap bucket that heals, a bootstrap stack
that is cfngen's alone.

A temp project outside the repo, relative paths, the real CLI, a moto server over HTTP. moto keeps the
checksum an object was put with (and none for an object put without one), honours DeletionPolicy Retain,
keeps a change set's stack tags and reports (but does not enforce) termination protection; it ignores the
bucket's versioning and lifecycle (tests/probes pins that; the template is tested in
tests/unit/test_artifacts_stubbed.py).
"""

from __future__ import annotations

import base64
import hashlib
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from moto_fixtures import as_a_user

from cfngen import names
from cfngen.cli import cli
from cfngen.deploy import bootstrap
from cfngen.render import canonical_json

BUCKET = "cfngen-trusted-artifacts"
BOOTSTRAP_BUCKET = "cfngen-artifacts-123456789012-us-east-1"
REPLACED = "replaced: the object at the key did not match"
HELLO = """
from cfngen import Stack

stack = Stack("ta-hello")
stack.function("Hello", code="functions/hello", handler="app.handler", runtime="python3.12", memory={memory})
"""
FOREIGN = {"Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "not-cfngens"}}}}


def write_stack(project: Path, memory: int = 128) -> None:
    (project / "stacks/hello.py").write_text(textwrap.dedent(HELLO).format(memory=memory))


@pytest.fixture
def project(tmp_path: Path, moto_reset: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.cfngen]\n")
    code = tmp_path / "stacks/functions/hello"
    code.mkdir(parents=True)
    (code / "app.py").write_text("def handler(event, context):\n    return event\n")
    write_stack(tmp_path)
    as_a_user(monkeypatch, tmp_path, moto_reset.endpoint_url)
    moto_reset.client("s3").create_bucket(Bucket=BUCKET)
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def parameters(moto: Any, stack: str) -> dict[str, str]:
    described = moto.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    return {p["ParameterKey"]: p["ParameterValue"] for p in described["Parameters"]}


def code_object(moto: Any) -> tuple[str, str]:
    """(bucket, key) of ta-hello's function code, as the deployed stack names them."""
    deployed = parameters(moto, "ta-hello")
    return deployed[names.code_bucket("Hello")], deployed[names.code_key("Hello")]


def running_code_sha256(moto: Any) -> str:
    """The CodeSha256 Lambda reports for ta-hello's function: the code it runs."""
    cfn, lam = moto.client("cloudformation"), moto.client("lambda")
    detail = cfn.describe_stack_resource(StackName="ta-hello", LogicalResourceId=names.function("Hello"))
    function = detail["StackResourceDetail"]["PhysicalResourceId"]
    return str(lam.get_function(FunctionName=function)["Configuration"]["CodeSha256"])


def b64sha256(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def stack_names(moto: Any) -> list[str]:
    return sorted(s["StackName"] for s in moto.client("cloudformation").describe_stacks()["Stacks"])


def empty_and_delete(moto: Any, bucket: str) -> None:
    s3 = moto.client("s3")
    for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        s3.delete_object(Bucket=bucket, Key=item["Key"])
    s3.delete_bucket(Bucket=bucket)


def bucket_exists(moto: Any, bucket: str) -> bool:
    return bucket in {b["Name"] for b in moto.client("s3").list_buckets()["Buckets"]}


# --- the HEAD-skip trusts only our checksum ------------------------------------------------------------


@pytest.mark.parametrize("forged_checksum", [False, True], ids=["no-checksum", "own-checksum"])
def test_a_tampered_artifact_is_replaced_when_the_stack_changes(
    project: Path, moto_reset: Any, forged_checksum: bool
) -> None:
    """Overwritten behind cfngen's back (with no checksum, or with the checksum of the other bytes), the
    object at the key is not ours: the next deploy that changes the stack uploads ours again, so the
    function runs the reviewed code. (moto re-reads the code on any function update; AWS on a create or
    replacement of the function, and on a rollback.)"""
    first = run("deploy", "--artifact-bucket", BUCKET)
    assert first.exit_code == 0, first.output
    bucket, key = code_object(moto_reset)
    ours = moto_reset.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    other = b"PK substituted code"
    extra = {"ChecksumAlgorithm": "SHA256", "ChecksumSHA256": b64sha256(other)} if forged_checksum else {}
    moto_reset.client("s3").put_object(Bucket=bucket, Key=key, Body=other, **extra)

    write_stack(project, memory=256)  # the template changes; the code (and so its key) does not
    result = run("deploy", "--artifact-bucket", BUCKET)

    assert result.exit_code == 0, result.output
    assert f"Hello code {key.rsplit('/', 1)[-1][:12]} ({len(ours):,} bytes) {REPLACED}" in result.output
    assert moto_reset.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read() == ours
    assert running_code_sha256(moto_reset) == b64sha256(ours)  # on main: the substituted bytes


def test_an_intact_artifact_is_not_uploaded_again(project: Path, moto_reset: Any) -> None:
    assert run("deploy", "--artifact-bucket", BUCKET).exit_code == 0
    write_stack(project, memory=256)
    result = run("deploy", "--artifact-bucket", BUCKET)
    assert result.exit_code == 0, result.output
    assert "already in S3" in result.output and REPLACED not in result.output


def test_an_unchanged_stack_leaves_its_artifacts_alone(project: Path, moto_reset: Any) -> None:
    """The documented choice: a no-op deploy reads nothing from S3. Lambda copied the code when it was
    deployed, so the object is not what runs; the next deploy that changes the stack checks it."""
    assert run("deploy", "--artifact-bucket", BUCKET).exit_code == 0
    bucket, key = code_object(moto_reset)
    moto_reset.client("s3").put_object(Bucket=bucket, Key=key, Body=b"PK substituted code")
    result = run("deploy", "--artifact-bucket", BUCKET)
    assert result.exit_code == 0, result.output
    assert "ta-hello: up to date" in result.output
    assert moto_reset.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read() == b"PK substituted code"


# --- a deleted bootstrap bucket heals -------------------------------------------------------------------


def test_a_deleted_bootstrap_bucket_is_restored_by_the_next_deploy(project: Path, moto_reset: Any) -> None:
    assert run("deploy").exit_code == 0
    empty_and_delete(moto_reset, BOOTSTRAP_BUCKET)
    write_stack(project, memory=256)

    result = run("deploy")

    assert result.exit_code == 0, result.output  # main: exit 2, "does not exist", a hint about --artifact-bucket
    assert f"the artifact bucket {BOOTSTRAP_BUCKET} was deleted outside cfngen; restoring it" in result.output
    assert "--artifact-bucket" not in result.output
    bucket, key = code_object(moto_reset)
    assert bucket == BOOTSTRAP_BUCKET
    moto_reset.client("s3").head_object(Bucket=bucket, Key=key)
    described = moto_reset.client("cloudformation").describe_stacks(StackName=bootstrap.STACK_NAME)["Stacks"][0]
    assert described["StackStatus"] == "CREATE_COMPLETE"
    assert {t["Key"]: t["Value"] for t in described["Tags"]} == bootstrap.tags()


def test_bootstrap_restores_a_deleted_bucket(project: Path, moto_reset: Any) -> None:
    assert run("bootstrap").exit_code == 0
    empty_and_delete(moto_reset, BOOTSTRAP_BUCKET)

    result = run("bootstrap")

    assert result.exit_code == 0, result.output
    assert f"the artifact bucket {BOOTSTRAP_BUCKET} was deleted outside cfngen; restoring it" in result.output
    assert bucket_exists(moto_reset, BOOTSTRAP_BUCKET)  # main: exit 0, and still no bucket
    again = run("bootstrap")
    assert again.exit_code == 0 and "restoring" not in again.output


def test_bootstrap_fails_when_it_cannot_restore_the_bucket(project: Path, moto_reset: Any) -> None:
    """Termination protection keeps cfngen from re-creating the stack. moto reports the flag set through
    CreateStack (it does not enforce it; cfngen checks it before deleting)."""
    moto_reset.client("cloudformation").create_stack(
        StackName=bootstrap.STACK_NAME,
        TemplateBody=canonical_json(bootstrap.template()),
        Tags=[{"Key": k, "Value": v} for k, v in bootstrap.tags().items()],
        EnableTerminationProtection=True,
    )
    empty_and_delete(moto_reset, BOOTSTRAP_BUCKET)

    result = run("bootstrap")

    assert result.exit_code == 1, result.output
    assert f"the artifact bucket {BOOTSTRAP_BUCKET} was deleted outside cfngen and could not be restored" in (
        result.output
    )
    assert "termination protection" in result.output and "Traceback" not in result.output
    assert stack_names(moto_reset) == [bootstrap.STACK_NAME]


# --- the bootstrap stack is cfngen's --------------------------------------------------------------------


def test_a_user_stack_cannot_take_the_bootstrap_name(project: Path, moto_reset: Any) -> None:
    (project / "stacks/boot.py").write_text('from cfngen import Stack\n\nstack = Stack("cfngen-bootstrap")\n')
    for command in (["render"], ["deploy", "--artifact-bucket", BUCKET]):
        result = run(*command)
        assert result.exit_code == 2, result.output
        assert "stacks/boot.py: cfngen-bootstrap.name: stack name 'cfngen-bootstrap' is reserved" in result.output
    assert stack_names(moto_reset) == []


@pytest.mark.parametrize("command", [["deploy"], ["bootstrap"]])
def test_a_foreign_bootstrap_stack_is_neither_used_nor_modified(
    project: Path, moto_reset: Any, command: list[str]
) -> None:
    cfn = moto_reset.client("cloudformation")
    cfn.create_stack(StackName=bootstrap.STACK_NAME, TemplateBody=json.dumps(FOREIGN))
    before = cfn.describe_stacks(StackName=bootstrap.STACK_NAME)["Stacks"][0]

    result = run(*command)

    assert result.exit_code == 1, result.output
    assert "stack cfngen-bootstrap was not created by cfngen" in result.output
    assert "--artifact-bucket" in result.output and "Traceback" not in result.output
    after = cfn.describe_stacks(StackName=bootstrap.STACK_NAME)["Stacks"][0]
    assert (after["StackId"], after["StackStatus"]) == (before["StackId"], "CREATE_COMPLETE")
    deployed = cfn.get_template(StackName=bootstrap.STACK_NAME)["TemplateBody"]
    assert (deployed if isinstance(deployed, dict) else json.loads(deployed)) == FOREIGN
    resources = cfn.list_stack_resources(StackName=bootstrap.STACK_NAME)["StackResourceSummaries"]
    assert [r["LogicalResourceId"] for r in resources] == ["Queue"]
    assert stack_names(moto_reset) == [bootstrap.STACK_NAME]  # ta-hello not deployed either
    assert not bucket_exists(moto_reset, BOOTSTRAP_BUCKET)


def version_1_template() -> dict[str, Any]:
    """The bootstrap template before versioning and the mark (what cfngen deployed until now)."""
    t: dict[str, Any] = json.loads(canonical_json(bootstrap.template()))
    del t["Metadata"]
    props = t["Resources"][bootstrap.BUCKET]["Properties"]
    del props["VersioningConfiguration"]
    del props["LifecycleConfiguration"]["Rules"][0]["NoncurrentVersionExpiration"]
    return t


def test_a_bootstrap_stack_from_before_the_mark_is_recognised_and_updated(project: Path, moto_reset: Any) -> None:
    cfn = moto_reset.client("cloudformation")
    cfn.create_stack(
        StackName=bootstrap.STACK_NAME,
        TemplateBody=json.dumps(version_1_template()),
        Parameters=[{"ParameterKey": bootstrap.RETENTION_PARAMETER, "ParameterValue": "30"}],
    )

    result = run("deploy")

    assert result.exit_code == 0, result.output
    assert "updating cfngen-bootstrap to bootstrap template version 2 (was 1)" in result.output
    described = cfn.describe_stacks(StackName=bootstrap.STACK_NAME)["Stacks"][0]
    # AWS now tags the stack; moto drops an UPDATE change set's tags (P::test_update_change_set_tags_are_dropped),
    # so the next run below recognises it by the template's mark instead.
    assert {p["ParameterKey"]: p["ParameterValue"] for p in described["Parameters"]} == {
        bootstrap.RETENTION_PARAMETER: "30"  # the retention the account chose is kept
    }
    deployed = cfn.get_template(StackName=bootstrap.STACK_NAME)["TemplateBody"]
    body = deployed if isinstance(deployed, dict) else json.loads(deployed)
    assert body["Metadata"] == {bootstrap.MARK: bootstrap.VERSION}
    assert code_object(moto_reset)[0] == BOOTSTRAP_BUCKET
    again = run("deploy")
    assert again.exit_code == 0 and "updating cfngen-bootstrap" not in again.output
