"""One deploy, several regions (`--region a --region b`): each region its own stacks and bootstrap bucket, at once;
status and outputs read every region. A temp project outside the repo, the real CLI, a moto server over HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from moto_fixtures import user_project

from cfngen.cli import cli

pytestmark = pytest.mark.integration

STACK = """
from cfngen import Stack

stack = Stack("rg-hello")
stack.function("Hello", code="functions/hello", handler="app.handler", runtime="python3.12")
"""
REGIONS = ("us-east-1", "eu-west-1")


@pytest.fixture
def project(tmp_path: Path, moto_reset: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    return user_project(tmp_path, monkeypatch, moto_reset, {"hello.py": STACK})


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def regions(*args: str) -> list[str]:
    return [a for region in REGIONS for a in ("--region", region)] + list(args)


def deployed(moto: Any, region: str) -> list[str]:
    cfn = moto.client("cloudformation", region_name=region)
    return sorted(s["StackName"] for s in cfn.describe_stacks()["Stacks"])


def test_deploy_status_and_outputs_in_two_regions(project: Path, moto_reset: Any) -> None:
    assert run("render").exit_code == 0
    result = run("deploy", *regions())
    assert result.exit_code == 0, result.output
    for region in REGIONS:  # each region: the stack and its own bootstrap stack (and bucket)
        assert deployed(moto_reset, region) == ["cfngen-bootstrap", "rg-hello"]
        assert f"{region}: rg-hello" in result.output  # every line says its region
        assert f"region {region}" in result.output  # and each region's target line names it
    status = run("status", *regions())
    assert status.exit_code == 0, status.output
    assert all(f"{region}: rg-hello: CREATE_COMPLETE" in status.output for region in REGIONS)
    outputs = run("outputs", *regions("rg-hello", "--format", "json"))
    assert outputs.exit_code == 0, outputs.output
    found = json.loads(outputs.stdout)
    assert sorted(found) == sorted(REGIONS)
    assert all(set(found[region]) == {"rg-hello"} for region in REGIONS)
    env = run("outputs", *regions("rg-hello", "--format", "env")).stdout
    assert "US_EAST_1_RG_HELLO_" in env and "EU_WEST_1_RG_HELLO_" in env


def test_a_failed_region_is_named_and_the_other_region_still_deploys(project: Path, moto_reset: Any) -> None:
    assert run("render").exit_code == 0
    assert run("deploy", "--region", "eu-west-1").exit_code == 0  # already there: refused by the next flag
    result = run("deploy", *regions("--no-update-if-exists"))
    assert result.exit_code == 2, result.output
    assert "1 of 2 region(s) failed" in result.output and "eu-west-1: " in result.output
    assert "succeeded: us-east-1" in result.output
    assert "rg-hello" in deployed(moto_reset, "us-east-1")


def test_one_document_outputs_take_one_region(project: Path) -> None:
    result = run("deploy", *regions("--json"))
    assert result.exit_code == 2
    assert "take one region" in result.output
