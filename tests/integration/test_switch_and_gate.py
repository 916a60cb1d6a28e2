"""Enable/disable some of a stack's mappings, and the deploy's lint gate, through the CLI on a moto server.

A temp project outside the repo, relative paths, the real CLI.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from moto_fixtures import as_a_user

from cfngen.cli import cli

BUCKET = "cfngen-switch-artifacts"
THREE = """
from cfngen import Stack

stack = Stack("sw-three")
fn = stack.function("Processor", code="functions/hello", handler="app.handler", runtime="python3.12")
for name in ("Alpha", "Beta", "Gamma"):
    fn.add_event_source(stack.kinesis_stream(name), starting_position="LATEST", enabled=False)
"""
# A template that lints with a warning only (W1020: Fn::Sub without a variable), never an error.
WARNED = """
from cfngen import Stack
from troposphere import Sub
from troposphere.sns import Topic

stack = Stack("sw-warned")
stack.function("Hello", code="functions/hello", handler="app.handler", runtime="python3.12")
stack.template().add_resource(Topic("Plain", DisplayName=Sub("plain")))
"""


@pytest.fixture
def project(tmp_path: Path, moto_reset: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.cfngen]\n")
    code = tmp_path / "stacks/functions/hello"
    code.mkdir(parents=True)
    (code / "app.py").write_text("def handler(event, context):\n    return event\n")
    (tmp_path / "stacks/three.py").write_text(textwrap.dedent(THREE))
    (tmp_path / "stacks/warned.py").write_text(textwrap.dedent(WARNED))
    as_a_user(monkeypatch, tmp_path, moto_reset.endpoint_url)
    moto_reset.client("s3").create_bucket(Bucket=BUCKET)
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def deploy(*args: str) -> Result:
    return run("deploy", "--artifact-bucket", BUCKET, *args)


def states(moto: Any, stack: str) -> dict[str, str]:
    cfn, lam = moto.client("cloudformation"), moto.client("lambda")
    resources = cfn.list_stack_resources(StackName=stack)["StackResourceSummaries"]
    return {
        r["LogicalResourceId"].removesuffix("Mapping").removeprefix("Processor"): lam.get_event_source_mapping(
            UUID=r["PhysicalResourceId"]
        )["State"]
        for r in resources
        if r["ResourceType"] == "AWS::Lambda::EventSourceMapping"
    }


def test_enable_one_of_three_mappings_left_at_their_defaults(project: Path, moto_reset: Any) -> None:
    """moto cannot resolve UsePreviousValue for a parameter never passed (HTTP 500): the current values
    read from DescribeStacks are sent instead, which is also correct on AWS."""
    assert deploy("sw-three").exit_code == 0
    assert states(moto_reset, "sw-three") == {"Alpha": "Disabled", "Beta": "Disabled", "Gamma": "Disabled"}

    enabled = run("enable", "sw-three", "ProcessorBeta")
    assert enabled.exit_code == 0, enabled.output
    assert states(moto_reset, "sw-three") == {"Alpha": "Disabled", "Beta": "Enabled", "Gamma": "Disabled"}

    again = run("enable", "sw-three", "ProcessorGamma")
    assert again.exit_code == 0, again.output
    assert states(moto_reset, "sw-three") == {"Alpha": "Disabled", "Beta": "Enabled", "Gamma": "Enabled"}

    off = run("disable", "sw-three", "ProcessorBeta")
    assert off.exit_code == 0, off.output
    assert states(moto_reset, "sw-three") == {"Alpha": "Disabled", "Beta": "Disabled", "Gamma": "Enabled"}


def test_deploy_strict_refuses_a_template_with_lint_warnings(project: Path, moto_reset: Any) -> None:
    strict = deploy("sw-warned", "--strict")
    assert strict.exit_code == 1, strict.output
    assert "lint failed" in strict.output and "W1020" in strict.output
    stacks = moto_reset.client("cloudformation").describe_stacks()["Stacks"]
    assert [s["StackName"] for s in stacks] == []

    relaxed = deploy("sw-warned")
    assert relaxed.exit_code == 0, relaxed.output


def test_deploy_honours_strict_from_the_config(project: Path, moto_reset: Any) -> None:
    (project / "pyproject.toml").write_text("[tool.cfngen]\nstrict = true\n")
    result = deploy("sw-warned")
    assert result.exit_code == 1, result.output
    assert "W1020" in result.output


def test_deploy_lints_for_the_region_it_deploys_to(
    project: Path, moto_reset: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import cfngen.lint

    seen: list[list[str]] = []
    real = cfngen.lint.Linter.__init__

    def spy(self: Any, regions: Any = ("us-east-1",), cache_dir: Any = None) -> None:
        seen.append(list(regions))
        real(self, regions, cache_dir)

    monkeypatch.setattr(cfngen.lint.Linter, "__init__", spy)
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    moto_reset.client("s3", region_name="eu-west-1").create_bucket(
        Bucket="cfngen-switch-eu", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    result = run("deploy", "--artifact-bucket", "cfngen-switch-eu", "sw-three", "--dry-run")
    assert result.exit_code == 0, result.output
    assert seen == [["eu-west-1"]]
