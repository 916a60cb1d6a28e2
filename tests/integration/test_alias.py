"""alias=: a Version per code change and an Alias that triggers, invoke and smoke tests target, on the project's
emulator (`--local`), which learns both types from cfngen/local_models.py (plain moto skips the alias:
probes test_lambda_alias_is_skipped_like_other_unsupported_types and the Version probes).

Driven as a user meets it: a project in a temp folder outside the repo, relative paths, the installed console
script as a subprocess; the project's emulator is stopped when the test ends.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from botocore.parsers import ResponseParserError
from local_fixtures import LocalProject, local_project

from cfngen.local import emulator

pytestmark = pytest.mark.integration

API = """
from cfngen import Stack

stack = Stack("al-api")
api = stack.function("Api", code="functions/api", handler="app.handler", runtime="python3.12",
                     alias="live", provisioned_concurrency=2)
jobs = stack.sqs_queue("Jobs")
api.add_event_source(jobs)
api.add_event_source(stack.schedule("Tick", "rate(5 minutes)"))
"""
PLAIN = """
from cfngen import Stack

stack = Stack("al-plain")
stack.function("Worker", code="functions/api", handler="app.handler", runtime="python3.12")
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalProject]:
    with local_project(tmp_path, monkeypatch, {"api.py": API, "plain.py": PLAIN}, code="api") as found:
        yield found


def test_a_code_change_publishes_a_version_the_alias_follows_with_templates_unchanged(project: LocalProject) -> None:
    assert project.run("render").returncode == 0
    templates = {p.name: p.read_bytes() for p in Path("templates").iterdir()}
    first = project.run("deploy", "--local", "--strict")
    assert first.returncode == 0, first.stderr
    assert "al-api: created" in first.stdout and "al-plain: created" in first.stdout

    resources = project.stack_resources("al-api")
    fn = resources["ApiFunction"]
    assert resources["ApiAlias"] == f"arn:aws:lambda:us-east-1:123456789012:function:{fn}:live"
    lam = project.client("lambda")
    assert lam.get_alias(FunctionName=fn, Name="live")["FunctionVersion"] == "1"
    # The queue's mapping invokes the alias (moto lists mappings by the FunctionName they were created with).
    (mapping,) = lam.list_event_source_mappings(FunctionName=resources["ApiAlias"])["EventSourceMappings"]
    assert mapping["EventSourceArn"].endswith(":" + resources["JobsQueue"].rsplit("/", 1)[-1])

    invoke = project.run("invoke", "al-api", "--local", "--payload", '{"n": 1}', "--expect", '{"n": 1}')
    assert invoke.returncode == 0, invoke.stderr
    assert f"al-api: {fn}:live -> status 200" in invoke.stdout
    latest = project.run("invoke", "al-api", fn, "--local")  # a physical name is invoked as given: $LATEST
    assert latest.returncode == 0, latest.stderr
    assert f"al-api: {fn} -> status 200" in latest.stdout

    Path("stacks/functions/api/app.py").write_text("def handler(event, context):\n    return {'v': 2, **event}\n")
    assert project.run("check").returncode == 0  # a code change leaves the reviewed templates as they were
    smoke = Path("smoke.json")
    smoke.write_text(json.dumps({"Api": {"payload": {"n": 2}, "expect": {"n": 2}}}))
    second = project.run("deploy", "--local", "--strict", "--smoke-test", str(smoke))
    assert second.returncode == 0, second.stderr
    assert "al-api: updated" in second.stdout
    assert f"al-api: {fn}:live -> status 200" in second.stdout  # the smoke test went through the alias
    assert {p.name: p.read_bytes() for p in Path("templates").iterdir()} == templates
    versions = [v["Version"] for v in lam.list_versions_by_function(FunctionName=fn)["Versions"]]
    assert versions == ["$LATEST", "1", "2"]
    assert lam.get_alias(FunctionName=fn, Name="live")["FunctionVersion"] == "2"
    status = project.run("status", "al-api", "--local")
    assert status.returncode == 0, status.stderr
    assert f"  alias ApiAlias: {fn}:live -> version 2" in status.stdout  # what the triggers invoke now

    again = project.run("deploy", "--local")
    assert again.returncode == 0, again.stderr
    assert "al-api: up to date" in again.stdout
    assert [v["Version"] for v in lam.list_versions_by_function(FunctionName=fn)["Versions"]] == versions

    delete = project.run("delete", "al-api", "--local", "--yes")
    assert delete.returncode == 0, delete.stderr


def test_the_embedded_emulator_refuses_a_code_sha256_that_is_not_the_functions() -> None:
    """As Lambda does (and plain moto does not: probe test_lambda_version_code_sha256_is_not_checked), so `--local`
    would catch a deploy that passed the hex digest, or another zip's hash, as <Fn>CodeSha256."""
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as zf:
        zf.writestr("app.py", "def handler(event, context):\n    return event\n")
    digest = hashlib.sha256(code.getvalue()).digest()
    template = {
        "Parameters": {"CodeSha256": {"Type": "String"}},
        "Resources": {
            "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": []}}},
            "Fn": {"Type": "AWS::Lambda::Function", "Properties": {
                "Runtime": "python3.12", "Handler": "app.handler", "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                "Code": {"S3Bucket": "code", "S3Key": "app.zip"}}},
            "Version": {"Type": "AWS::Lambda::Version",
                        "Properties": {"FunctionName": {"Ref": "Fn"}, "CodeSha256": {"Ref": "CodeSha256"}}},
        },
    }  # fmt: skip
    with emulator() as emu:
        client = functools.partial(emu.session().client, endpoint_url=emu.endpoint_url)
        client("s3").create_bucket(Bucket="code")
        client("s3").put_object(Bucket="code", Key="app.zip", Body=code.getvalue())
        cf = client("cloudformation")

        def create(name: str, code_sha256: str) -> None:
            params = [{"ParameterKey": "CodeSha256", "ParameterValue": code_sha256}]
            cf.create_stack(StackName=name, TemplateBody=json.dumps(template), Parameters=params)

        # moto answers a resource that failed inside CloudFormation with the service's JSON error: unparseable
        # for botocore (probe: test_execute_change_set_with_a_failing_resource_raises_an_unparseable_error)
        with pytest.raises((ClientError, ResponseParserError), match="does not match the code of"):
            create("hex", digest.hex())
        create("base64", base64.b64encode(digest).decode())
        assert cf.describe_stacks(StackName="base64")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
