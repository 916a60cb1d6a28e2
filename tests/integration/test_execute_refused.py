"""An execute that fails with an AWS error (moto runs the change set inside ExecuteChangeSet, so a resource error
surfaces there): the change set is deleted, and the next deploy is not blocked by it. A temp project outside the
repo, the real CLI, a moto server over HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from moto_fixtures import user_project

from cfngen.cli import cli

pytestmark = pytest.mark.integration

BUCKET = "cfngen-refused-artifacts"
STACK = """
from cfngen import Stack

stack = Stack("xr-hello")
stack.function("Hello", code="functions/hello", handler="app.handler", runtime="python3.12")
"""


@pytest.fixture
def project(tmp_path: Path, moto_reset: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    return user_project(tmp_path, monkeypatch, moto_reset, {"hello.py": STACK}, bucket=BUCKET)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_a_failed_create_leaves_nothing_that_blocks_the_next_deploy(project: Path, moto_reset: Any) -> None:
    logs = moto_reset.client("logs")
    logs.create_log_group(logGroupName="/aws/lambda/xr-hello/Hello")  # in the way of the stack's log group
    first = run("deploy", "--render", "--artifact-bucket", BUCKET, "--timeout", "20")
    assert first.exit_code == 1, first.output
    assert "already exists" in first.output and "Traceback" not in first.output
    assert "refused to execute the change set" in first.output and "nothing changed" in first.output
    cfn = moto_reset.client("cloudformation")
    for summary in cfn.list_change_sets(StackName="xr-hello").get("Summaries", []):
        assert summary["StackName"] != "xr-hello" or summary["Status"] == "DELETE_COMPLETE", summary
    logs.delete_log_group(logGroupName="/aws/lambda/xr-hello/Hello")  # the cause fixed
    second = run("deploy", "--artifact-bucket", BUCKET, "--timeout", "20")
    assert second.exit_code == 0, second.output
    assert "another deploy" not in second.output
