"""Faults (issue 9): drift behind cfngen's back, two deploys of one new stack at once, Ctrl-C while a change
set call is in flight, and bad input that reaches AWS-side steps (smoke-test files, the outputs file).

A temp project outside the repo, relative paths, the real CLI (CliRunner, or `python -m cfngen` where two
runs must overlap), a moto server over HTTP.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import subprocess
import sys
import textwrap
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from moto_fixtures import as_a_user

from cfngen.cli import cli
from cfngen.deploy.session import Aws

BUCKET = "cfngen-faults-artifacts"
STACKS = """
from cfngen import Stack

a = Stack("ft-a")
a.function("Hello", code="functions/hello", handler="app.handler", runtime="python3.12"{extra})
b = Stack("ft-b")
b.function("Other", code="functions/hello", handler="app.handler", runtime="python3.12")
"""


def write_stacks(project: Path, extra: str = "") -> None:
    (project / "stacks/faults.py").write_text(textwrap.dedent(STACKS).format(extra=extra))


@pytest.fixture
def project(tmp_path: Path, moto_reset: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.cfngen]\n")
    code = tmp_path / "stacks/functions/hello"
    code.mkdir(parents=True)
    (code / "app.py").write_text("def handler(event, context):\n    return event\n")
    write_stacks(tmp_path)
    as_a_user(monkeypatch, tmp_path, moto_reset.endpoint_url)
    moto_reset.client("s3").create_bucket(Bucket=BUCKET)
    return tmp_path


def run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, input=stdin)


def deploy(*args: str) -> Result:
    return run("deploy", "--render", "--artifact-bucket", BUCKET, *args)


def function_name(moto: Any, stack: str) -> str:
    resources = moto.client("cloudformation").list_stack_resources(StackName=stack)["StackResourceSummaries"]
    return str(next(r["PhysicalResourceId"] for r in resources if r["ResourceType"] == "AWS::Lambda::Function"))


def live_change_sets(moto: Any, stack: str) -> list[str]:
    cfn = moto.client("cloudformation")
    stack_id = cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackId"]
    summaries = cfn.list_change_sets(StackName=stack)["Summaries"]  # moto lists every stack's: filter
    return [s["ChangeSetName"] for s in summaries if s["StackId"] == stack_id and s["ExecutionStatus"] == "AVAILABLE"]


# --- drift --------------------------------------------------------------------------------------------


def test_status_reports_a_deleted_function_and_goes_on(project: Path, moto_reset: Any) -> None:
    assert deploy().exit_code == 0
    name = function_name(moto_reset, "ft-a")
    moto_reset.client("lambda").delete_function(FunctionName=name)

    result = run("status")

    assert result.exit_code == 0, result.output
    assert f"function HelloFunction: {name} MISSING (deleted outside CloudFormation" in result.output
    assert "function OtherFunction:" in result.output and "python3.12" in result.output  # the next stack too


def test_deploy_refuses_a_function_deleted_outside_and_says_what_to_do(project: Path, moto_reset: Any) -> None:
    assert deploy().exit_code == 0
    name = function_name(moto_reset, "ft-a")
    moto_reset.client("lambda").delete_function(FunctionName=name)

    result = deploy("ft-a")

    assert result.exit_code == 1, result.output
    assert f"function HelloFunction ({name}) no longer exists (deleted outside CloudFormation)" in result.output
    assert "up to date" not in result.output
    assert "`cfngen delete ft-a` and deploy again" in result.output


def test_deploy_restores_code_replaced_outside(project: Path, moto_reset: Any) -> None:
    assert deploy().exit_code == 0
    lam = moto_reset.client("lambda")
    name = function_name(moto_reset, "ft-a")
    ours = lam.get_function_configuration(FunctionName=name)["CodeSha256"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("app.py", "def handler(event, context):\n    return 'hacked'\n")
    lam.update_function_code(FunctionName=name, ZipFile=buffer.getvalue())
    assert lam.get_function_configuration(FunctionName=name)["CodeSha256"] != ours

    result = deploy("ft-a")

    assert result.exit_code == 0, result.output
    assert "(replaced outside CloudFormation): restored" in result.output
    assert "ft-a: updated" in result.output
    assert lam.get_function_configuration(FunctionName=name)["CodeSha256"] == ours
    zips = list((project / ".cfngen/build").glob("*.zip"))
    assert ours in {base64.b64encode(hashlib.sha256(z.read_bytes()).digest()).decode() for z in zips}
    again = deploy("ft-a")
    assert "ft-a: up to date" in again.output and "restored" not in again.output


# --- two deploys of one new stack at once --------------------------------------------------------------


class Reader:
    """Collects a child process's output on a thread, so a test can wait for a line without blocking."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process, self.text = process, ""
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        while chunk := self.process.stdout.read(1):
            self.text += chunk

    def wait_for(self, marker: str, seconds: float = 90.0) -> None:
        deadline = time.monotonic() + seconds
        while marker not in self.text:
            assert time.monotonic() < deadline and self.process.poll() is None, f"no {marker!r} in:\n{self.text}"
            time.sleep(0.05)


def cfngen(*args: str, stdin: bool = False) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "cfngen", *args],
        stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=os.environ.copy(),
    )


def test_two_deploys_of_a_new_stack_at_once(project: Path, moto_reset: Any) -> None:
    """The first deploy holds its CREATE change set at --confirm (REVIEW_IN_PROGRESS); the second must wait
    for it, not delete it as "never created". Both end well and the stack is complete."""
    assert run("render").exit_code == 0
    first = cfngen("deploy", "ft-a", "--artifact-bucket", BUCKET, "--confirm", stdin=True)
    first_out = Reader(first)
    first_out.wait_for("execute the change set for ft-a?")
    second = cfngen("deploy", "ft-a", "--artifact-bucket", BUCKET)
    second_out = Reader(second)
    try:
        second_out.wait_for("another deploy is creating it")
        assert first.stdin is not None
        first.stdin.write("y\n")
        first.stdin.close()
        assert first.wait(60) == 0, first_out.text
        assert second.wait(60) == 0, second_out.text
    finally:
        for process in (first, second):
            if process.poll() is None:
                process.kill()
                process.wait()
    first_out.thread.join(5)
    second_out.thread.join(5)
    assert "ft-a: created" in first_out.text
    assert "ft-a: up to date" in second_out.text and "deleting it" not in second_out.text
    status = moto_reset.client("cloudformation").describe_stacks(StackName="ft-a")["Stacks"][0]["StackStatus"]
    assert status == "CREATE_COMPLETE"


# --- Ctrl-C while a change set call is in flight ----------------------------------------------------------


@pytest.fixture
def interrupt_after(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """interrupt_after(operation): Ctrl-C arrives as `operation`'s answer comes back (AWS has done it, cfngen
    never saw the answer). The hook is removed afterwards: Aws caches clients by value, across tests."""
    real = Aws.client
    hooked: list[tuple[Any, str]] = []

    def interrupt(**_: Any) -> None:
        raise KeyboardInterrupt

    def arm(operation: str) -> None:
        def client(self: Aws, service: Any) -> Any:
            made = real(self, service)
            event = f"after-call.cloudformation.{operation}"
            if service == "cloudformation" and (made, event) not in hooked:
                hooked.append((made, event))
                made.meta.events.register_first(event, interrupt, unique_id="test-interrupt")
            return made

        monkeypatch.setattr(Aws, "client", client)

    yield arm
    for made, event in hooked:
        made.meta.events.unregister(event, unique_id="test-interrupt")


def test_ctrl_c_while_create_change_set_is_in_flight_leaves_no_change_set(
    project: Path, moto_reset: Any, interrupt_after: Callable[[str], None]
) -> None:
    assert deploy("ft-a").exit_code == 0
    write_stacks(project, ', environment={"MODE": "new"}')
    interrupt_after("CreateChangeSet")

    result = deploy("ft-a")

    assert result.exit_code == 130, result.output
    assert live_change_sets(moto_reset, "ft-a") == []


def test_ctrl_c_while_a_create_change_set_is_in_flight_leaves_no_stack(
    project: Path, moto_reset: Any, interrupt_after: Callable[[str], None]
) -> None:
    interrupt_after("CreateChangeSet")

    result = deploy("ft-a")

    assert result.exit_code == 130, result.output
    stacks = moto_reset.client("cloudformation").describe_stacks()["Stacks"]
    assert [s["StackName"] for s in stacks if s["StackName"] == "ft-a"] == []


def test_ctrl_c_while_execute_is_in_flight_says_the_stack_is_still_updating(
    project: Path, moto_reset: Any, interrupt_after: Callable[[str], None]
) -> None:
    assert deploy("ft-a").exit_code == 0
    write_stacks(project, ', environment={"MODE": "new"}')
    interrupt_after("ExecuteChangeSet")

    result = deploy("ft-a")

    assert result.exit_code == 130, result.output
    assert "the stack is still updating in CloudFormation" in result.output
    assert "`cfngen status ft-a`" in result.output


# --- bad input that reaches the AWS-side steps -----------------------------------------------------------


@pytest.mark.parametrize("payload", ["!!binary aGVsbG8=", "2024-01-01"], ids=["yaml-tag", "date"])
def test_smoke_test_file_with_yaml_only_values_is_refused_before_deploying(
    project: Path, moto_reset: Any, payload: str
) -> None:
    (project / "smoke.yaml").write_text(f"HelloFunction:\n  payload: {payload}\n")

    result = deploy("ft-a", "--smoke-test", "smoke.yaml")

    assert result.exit_code == 2, result.output
    assert "smoke.yaml: smoke test 'HelloFunction'" in result.output and "quote dates" in result.output
    assert "ft-a" not in [s["StackName"] for s in moto_reset.client("cloudformation").describe_stacks()["Stacks"]]


def test_unwritable_outputs_file_still_prints_the_outputs(project: Path, moto_reset: Any) -> None:
    (project / "out").write_text("a file, so no folder: out/outputs.json cannot be written (even by root)\n")
    result = deploy("ft-a", "--outputs-file", "out/outputs.json")

    assert result.exit_code == 2, result.output
    assert '"ft-a": {' in result.output  # the JSON, printed since the file could not take it
    assert "--outputs-file out/outputs.json: cannot be written" in result.output and "deployed" in result.output
