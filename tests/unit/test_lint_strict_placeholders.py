"""`cfngen lint --strict` in a throwaway project, on the two ways a spec writes names and values:
a literal `bucket_name=` (a plain string, not a needless Fn::Sub: W1020) and `${AWS::...}` pseudo parameters
in `environment=` values (rendered with Fn::Sub, not shipped literally: E1029).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from cfngen.cli import cli

SPEC = """\
from cfngen import Stack

stack = Stack("lint-names")
fn = stack.function(
    "Fn",
    code="code",
    handler="app.handler",
    runtime="python3.12",
    environment={
        "QUEUE_URL": "https://sqs.${AWS::Region}.${AWS::URLSuffix}/${AWS::AccountId}/jobs",
        "TOPIC": "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:events",
        "LOG_PREFIX": "${AWS::StackName}/${date}",
        "GREETING": "hello ${USER}",
        "LEVEL": "info",
    },
)
fn.add_event_source(stack.s3_bucket("Uploads", bucket_name="my-bucket"), events=["s3:ObjectCreated:*"])
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text('[tool.cfngen]\nstacks-dir = "stacks"\ntemplates-dir = "templates"\n')
    (tmp_path / "stacks" / "code").mkdir(parents=True)
    (tmp_path / "stacks" / "code" / "app.py").write_text("def handler(event, context):\n    return event\n")
    (tmp_path / "stacks" / "names.py").write_text(SPEC)
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("CFNGEN_")]:
        monkeypatch.delenv(name)
    return tmp_path


def test_literal_bucket_name_and_environment_placeholders_pass_lint_strict(project: Path) -> None:
    rendered = CliRunner().invoke(cli, ["render"])
    assert rendered.exit_code == 0, rendered.output
    resources = json.loads((project / "templates" / "lint-names.json").read_text())["Resources"]
    assert resources["UploadsBucket"]["Properties"]["BucketName"] == "my-bucket"
    assert resources["FnUploadsPermission"]["Properties"]["SourceArn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:s3:::my-bucket"
    }
    assert resources["FnFunction"]["Properties"]["Environment"]["Variables"] == {
        "GREETING": "hello ${USER}",  # no pseudo parameter: stays a plain string, ${USER} and all
        "LEVEL": "info",
        "LOG_PREFIX": {"Fn::Sub": "${AWS::StackName}/${!date}"},  # ${!date} reads back as the literal ${date}
        "QUEUE_URL": {"Fn::Sub": "https://sqs.${AWS::Region}.${AWS::URLSuffix}/${AWS::AccountId}/jobs"},
        "TOPIC": {"Fn::Sub": "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:events"},
    }

    result = CliRunner().invoke(cli, ["lint", "--no-cache", "--strict"])
    assert result.exit_code == 0, result.output
    assert "1 template(s): 0 error(s), 0 warning(s)" in result.output
