"""Previews that change nothing: `deploy --dry-run` and `diff` against a moto server over HTTP.

A temp project outside the repo, relative paths, the real CLI. Every AWS call the CLI makes is recorded, so
the tests check the writes themselves, not only what is left behind: a preview may create and delete a
change set (and the REVIEW_IN_PROGRESS shell of a stack that does not exist yet), nothing else.
"""

from __future__ import annotations

import contextlib
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.client
import pytest
from click.testing import CliRunner, Result
from moto_fixtures import as_a_user

from cfngen.cli import cli
from cfngen.deploy import bootstrap
from cfngen.local import FAKE_ACCOUNT_ID

BUCKET = "cfngen-preview-artifacts"
BOOTSTRAP_BUCKET = bootstrap.bucket_name(FAKE_ACCOUNT_ID, "us-east-1")
HELLO = """
from cfngen import Stack

stack = Stack("pv-hello")
stack.function("Hello", code="functions/hello", handler="app.handler", runtime="python3.12"{extra})
"""
CLICKS = """
from cfngen import Stack

stack = Stack("pv-clicks")
fn = stack.function("Counter", code="functions/hello", handler="app.handler", runtime="python3.12")
fn.add_event_source(stack.kinesis_stream("Clicks", shards=1), starting_position="LATEST")
"""
# What a preview may write: its change set, and the empty stack a CREATE change set leaves (deleted again).
PREVIEW_WRITES = {"cloudformation:CreateChangeSet", "cloudformation:DeleteChangeSet", "cloudformation:DeleteStack"}
READ_PREFIXES = ("Describe", "Get", "List", "Head")


@pytest.fixture
def project(tmp_path: Path, moto_reset: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with one stack, pointed at the moto server; no bucket and no bootstrap stack yet."""
    (tmp_path / "pyproject.toml").write_text("[tool.cfngen]\n")
    code = tmp_path / "stacks/functions/hello"
    code.mkdir(parents=True)
    (code / "app.py").write_text("def handler(event, context):\n    return event\n")
    write_hello(tmp_path)
    as_a_user(monkeypatch, tmp_path, moto_reset.endpoint_url)
    return tmp_path


def write_hello(project: Path, extra: str = "") -> None:
    (project / "stacks/hello.py").write_text(textwrap.dedent(HELLO).format(extra=extra))


def change_code(project: Path) -> None:
    (project / "stacks/functions/hello/app.py").write_text("def handler(event, context):\n    return 'v2'\n")


@contextlib.contextmanager
def recorded(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every AWS call ("service:Operation") any botocore client makes inside the block.

    Patched on the client class, not hooked per client: cfngen keeps its clients for the life of the
    process (one per equal `Aws` settings), so a later CLI run in this test reuses clients made before.
    """
    calls: list[str] = []
    real = botocore.client.BaseClient._make_api_call

    def call(self: botocore.client.BaseClient, operation: str, params: dict[str, Any]) -> Any:
        calls.append(f"{self.meta.service_model.service_name}:{operation}")
        return real(self, operation, params)

    with monkeypatch.context() as patch:
        patch.setattr(botocore.client.BaseClient, "_make_api_call", call)
        yield calls


def writes(calls: list[str]) -> list[str]:
    assert "cloudformation:DescribeStacks" in calls, calls  # the recorder saw the run: an empty list means something
    return [c for c in calls if not c.split(":")[1].startswith(READ_PREFIXES)]


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def stack_names(moto: Any) -> list[str]:
    return [s["StackName"] for s in moto.client("cloudformation").describe_stacks()["Stacks"]]


def buckets(moto: Any) -> list[str]:
    return [b["Name"] for b in moto.client("s3").list_buckets()["Buckets"]]


def objects(moto: Any, bucket: str) -> list[str]:
    return [o["Key"] for o in moto.client("s3").list_objects_v2(Bucket=bucket).get("Contents", [])]


def deployed_parameters(moto: Any, stack: str) -> dict[str, str]:
    described = moto.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    return {p["ParameterKey"]: p["ParameterValue"] for p in described["Parameters"]}


def short(key: str) -> str:
    """A code key as diff shows it: the first 12 hex digits of the zip's sha256."""
    found = re.search(r"([0-9a-f]{64})\.zip$", key)
    assert found, key
    return found.group(1)[:12]


PREVIEWS = [pytest.param(("deploy", "--dry-run"), id="deploy-dry-run"), pytest.param(("diff",), id="diff")]


@pytest.mark.parametrize("command", PREVIEWS)
def test_a_preview_on_an_account_without_bootstrap_writes_nothing(
    project: Path, moto_reset: Any, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]
) -> None:
    with recorded(monkeypatch) as calls:
        result = run(*command)

    assert result.exit_code == 0, result.output
    assert "+ HelloFunction (AWS::Lambda::Function)" in result.output  # the change set was made and shown
    assert set(writes(calls)) <= PREVIEW_WRITES, writes(calls)
    assert stack_names(moto_reset) == []  # no cfngen-bootstrap, no REVIEW_IN_PROGRESS shell left
    assert buckets(moto_reset) == []
    assert "creating the artifact bucket" not in result.output


def test_a_preview_names_the_bootstrap_bucket_it_would_use(project: Path, moto_reset: Any) -> None:
    result = run("diff")
    assert result.exit_code == 0, result.output
    assert f"HelloCodeBucket: (none) -> {BOOTSTRAP_BUCKET}" in result.output
    assert buckets(moto_reset) == []


@pytest.mark.parametrize("command", PREVIEWS)
def test_a_preview_with_an_artifact_bucket_uploads_nothing(
    project: Path, moto_reset: Any, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]
) -> None:
    moto_reset.client("s3").create_bucket(Bucket=BUCKET)
    with recorded(monkeypatch) as calls:
        result = run(*command, "--artifact-bucket", BUCKET)

    assert result.exit_code == 0, result.output
    assert set(writes(calls)) <= PREVIEW_WRITES, writes(calls)
    assert objects(moto_reset, BUCKET) == []
    assert stack_names(moto_reset) == []


@pytest.mark.parametrize("command", PREVIEWS)
def test_a_preview_of_a_code_change_uploads_nothing(
    project: Path, moto_reset: Any, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]
) -> None:
    """An existing stack with new code: the change set names a key that is not in S3 yet (moto, like AWS,
    does not read the object before the change set executes)."""
    moto_reset.client("s3").create_bucket(Bucket=BUCKET)
    assert run("deploy", "--artifact-bucket", BUCKET).exit_code == 0
    uploaded = objects(moto_reset, BUCKET)
    change_code(project)

    with recorded(monkeypatch) as calls:
        result = run(*command, "--artifact-bucket", BUCKET)

    assert result.exit_code == 0, result.output
    assert set(writes(calls)) <= PREVIEW_WRITES, writes(calls)
    assert objects(moto_reset, BUCKET) == uploaded
    assert "change set (UPDATE" in result.output


def test_dry_run_never_turns_termination_protection_on(
    project: Path, moto_reset: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On an up-to-date stack a dry run used to call UpdateTerminationProtection (a write; moto answers it
    with HTTP 500, so the dry run failed here)."""
    moto_reset.client("s3").create_bucket(Bucket=BUCKET)
    assert run("deploy", "--artifact-bucket", BUCKET).exit_code == 0

    with recorded(monkeypatch) as calls:
        result = run("deploy", "--artifact-bucket", BUCKET, "--dry-run", "--termination-protection")

    assert result.exit_code == 0, result.output
    assert writes(calls) == []


def test_diff_shows_a_code_change_and_fail_exits_1(project: Path, moto_reset: Any) -> None:
    moto_reset.client("s3").create_bucket(Bucket=BUCKET)
    assert run("deploy", "--artifact-bucket", BUCKET).exit_code == 0
    old = deployed_parameters(moto_reset, "pv-hello")["HelloCodeKey"]

    same = run("diff", "--artifact-bucket", BUCKET, "--fail")
    assert same.exit_code == 0, same.output
    assert "pv-hello: no differences" in same.output

    change_code(project)
    plain = run("diff", "--artifact-bucket", BUCKET)
    failing = run("diff", "--artifact-bucket", BUCKET, "--fail")

    assert plain.exit_code == 0, plain.output
    assert failing.exit_code == 1, failing.output
    new = re.search(r"HelloCodeKey: (\S+) -> (\S+)", plain.output)
    assert new is not None, plain.output
    assert new.group(1) == short(old) and new.group(2) != short(old) and len(new.group(2)) == 12
    assert "HelloCodeBucket" not in plain.output  # unchanged parameters are not listed
    assert "template identical to the deployed one" in plain.output
    assert deployed_parameters(moto_reset, "pv-hello")["HelloCodeKey"] == old  # nothing deployed


def test_diff_fail_on_a_template_change(project: Path, moto_reset: Any) -> None:
    moto_reset.client("s3").create_bucket(Bucket=BUCKET)
    assert run("deploy", "--artifact-bucket", BUCKET).exit_code == 0
    write_hello(project, ', environment={"MODE": "x"}')

    result = run("diff", "--artifact-bucket", BUCKET, "--fail")

    assert result.exit_code == 1, result.output
    assert "--- pv-hello (deployed)" in result.output
    assert "Parameters" not in result.output.split("--- pv-hello (deployed)")[0]  # no parameter changed
    assert any(line.startswith("+") and '"MODE": "x"' in line for line in result.output.splitlines())


def test_diff_fail_on_a_tag_change(project: Path, moto_reset: Any) -> None:
    """diff previews the deploy with the same --tag values: other tags, or none, are a change."""
    moto_reset.client("s3").create_bucket(Bucket=BUCKET)
    assert run("deploy", "--artifact-bucket", BUCKET, "--tag", "team=orders").exit_code == 0

    untagged = run("diff", "--artifact-bucket", BUCKET, "--fail")
    same = run("diff", "--artifact-bucket", BUCKET, "--fail", "--tag", "team=orders")

    assert untagged.exit_code == 1, untagged.output
    assert "team: orders -> (none)" in untagged.output
    assert same.exit_code == 0, same.output


def test_diff_of_a_stack_that_is_not_deployed_fails_with_fail(project: Path, moto_reset: Any) -> None:
    result = run("diff", "--fail")
    assert result.exit_code == 1, result.output
    assert "pv-hello: not deployed" in result.output
    assert stack_names(moto_reset) == []


def test_a_switch_kept_by_deploy_is_not_a_change(project: Path, moto_reset: Any) -> None:
    (project / "stacks/hello.py").unlink()
    (project / "stacks/clicks.py").write_text(textwrap.dedent(CLICKS))
    moto_reset.client("s3").create_bucket(Bucket=BUCKET)
    assert run("deploy", "--artifact-bucket", BUCKET).exit_code == 0
    assert run("disable", "pv-clicks").exit_code == 0
    assert deployed_parameters(moto_reset, "pv-clicks")["CounterClicksEnabled"] == "false"

    result = run("diff", "--artifact-bucket", BUCKET, "--fail")

    assert result.exit_code == 0, result.output
    assert "CounterClicksEnabled" not in result.output.replace("keeping deployed Enabled", "")
    assert "keeping deployed Enabled=false" in result.output


MANY = """
from cfngen import Stack

stack = Stack("pv-many")
for i in range(25):
    stack.function(f"Fn{i:02d}", code="functions/hello", handler="app.handler", runtime="python3.12")
"""


@pytest.mark.parametrize("command", PREVIEWS)
def test_a_template_too_big_to_send_inline_is_previewed_without_a_change_set(
    project: Path, moto_reset: Any, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]
) -> None:
    """Over 51,200 bytes CloudFormation reads a template only from S3, and a preview uploads nothing: it
    skips the change set, says why, and diff still shows the parameters and the template."""
    (project / "stacks/hello.py").unlink()
    (project / "stacks/many.py").write_text(textwrap.dedent(MANY))

    with recorded(monkeypatch) as calls:
        result = run(*command)

    assert result.exit_code == 0, result.output
    assert writes(calls) == []
    assert "pv-many: no change set: the template is" in result.output
    assert "a preview uploads nothing" in result.output
    assert stack_names(moto_reset) == [] and buckets(moto_reset) == []
    if command == ("diff",):
        assert "Fn24CodeKey: (none) -> " in result.output
        assert "+++ pv-many (local)" in result.output
