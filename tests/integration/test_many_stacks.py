"""Many stacks: deploys ordered by cross-stack imports, independent stacks in parallel, idempotent delete.

A temp project outside the repo, relative paths, the real CLI, a moto server over HTTP. The consumer's imports
are written by hand (a parameter plus the `cfngen:imports` Metadata the builders emit for a cross-stack
reference), so these tests drive only the orchestration.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from moto_fixtures import user_project

from cfngen.cli import cli

BUCKET = "cfngen-many-artifacts"
FUNCTION = """
from cfngen import Stack

stack = Stack("{name}")
stack.function("Hello", code="functions/hello", handler="app.handler", runtime="python3.12")
"""
CONSUMER = """
from troposphere import Output, Parameter, Ref

from cfngen import Stack

stack = Stack("{name}")
stack.function("Work", code="functions/hello", handler="app.handler", runtime="python3.12")
template = stack.template()
template.add_parameter(Parameter("OrdersFunction", Type="String"))
template.add_output(Output("SeenOrders", Value=Ref("OrdersFunction")))
imports = {{"OrdersFunction": {{"Stack": "{producer}", "Output": "HelloFunctionArn"}}}}
template.set_metadata({{"cfngen:imports": imports}})
"""


def write(project: Path, file: str, text: str) -> None:
    (project / "stacks" / file).write_text(textwrap.dedent(text))


@pytest.fixture
def project(tmp_path: Path, moto_reset: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    files = {
        "orders.py": FUNCTION.format(name="mk-orders"),
        "workers.py": CONSUMER.format(name="mk-workers", producer="mk-orders"),
        "web.py": FUNCTION.format(name="mk-web"),
    }
    return user_project(tmp_path, monkeypatch, moto_reset, files, bucket=BUCKET)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def deploy(*args: str) -> Result:
    return run("deploy", "--artifact-bucket", BUCKET, *args)


def parameter(moto: Any, stack: str, key: str) -> str:
    found = moto.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]["Parameters"]
    return str(next(p["ParameterValue"] for p in found if p["ParameterKey"] == key))


def stack_names(moto: Any) -> set[str]:
    return {s["StackName"] for s in moto.client("cloudformation").describe_stacks()["Stacks"]}


def summary_order(output: str) -> list[str]:
    return re.findall(r"^(mk-[a-z]+): \S+ in [\d.]+s$", output, flags=re.MULTILINE)


def test_a_consumer_named_first_deploys_after_its_producer_and_gets_its_output(project: Path, moto_reset: Any) -> None:
    result = deploy("mk-workers", "mk-orders")
    assert result.exit_code == 0, result.output
    assert summary_order(result.output) == ["mk-orders", "mk-workers"]
    arn = parameter(moto_reset, "mk-workers", "OrdersFunction")
    resources = moto_reset.client("cloudformation").list_stack_resources(StackName="mk-orders")
    hello = next(
        r["PhysicalResourceId"]
        for r in resources["StackResourceSummaries"]
        if r["ResourceType"] == "AWS::Lambda::Function"
    )
    assert arn == moto_reset.client("lambda").get_function_configuration(FunctionName=hello)["FunctionArn"]


def test_a_consumer_alone_fails_clearly_when_its_producer_is_not_deployed(project: Path, moto_reset: Any) -> None:
    result = deploy("mk-workers")
    assert result.exit_code == 1
    assert "mk-workers: takes HelloFunctionArn from stack mk-orders, which is not deployed" in result.output
    assert stack_names(moto_reset) == set()
    assert deploy("mk-orders").exit_code == 0
    assert deploy("mk-workers").exit_code == 0  # named alone, it reads what is deployed
    assert stack_names(moto_reset) == {"mk-orders", "mk-workers"}


def test_a_failed_producer_stops_its_consumer_and_independent_stacks_finish(project: Path, moto_reset: Any) -> None:
    assert deploy("mk-orders").exit_code == 0
    result = deploy("--no-update-if-exists", "mk-workers", "mk-orders", "mk-web")
    assert result.exit_code == 2, result.output  # the refusal's own exit code (a usage error)
    assert "stack mk-orders already exists" in result.output
    assert "not attempted (they depend on a failed stack): mk-workers" in result.output
    assert "mk-web: created" in result.output  # the summary lists every stack
    assert "mk-web: + HelloFunction (AWS::Lambda::Function)" in result.output  # several stacks: lines prefixed
    assert "mk-workers: not-attempted" in result.output
    assert stack_names(moto_reset) == {"mk-orders", "mk-web"}


def test_concurrency_one_deploys_one_at_a_time_in_order(project: Path, moto_reset: Any) -> None:
    result = deploy("--concurrency", "1")
    assert result.exit_code == 0, result.output
    assert summary_order(result.output) == ["mk-orders", "mk-web", "mk-workers"]
    assert not re.search(r"^mk-orders: mk-orders", result.output, flags=re.MULTILINE)


def test_diff_previews_a_producer_and_its_consumer_before_either_exists(project: Path, moto_reset: Any) -> None:
    result = run("diff", "--artifact-bucket", BUCKET, "mk-workers", "mk-orders")
    assert result.exit_code == 0, result.output
    assert "diff: 2 of 2 stack(s) would change: mk-orders, mk-workers" in result.output
    assert stack_names(moto_reset) == set()


def test_delete_goes_consumers_first_and_a_missing_stack_is_a_note(project: Path, moto_reset: Any) -> None:
    assert deploy().exit_code == 0
    result = run("delete", "mk-orders", "mk-workers", "mk-gone", "--yes")
    assert result.exit_code == 0, result.output
    assert "mk-gone: not deployed, nothing to delete" in result.output
    assert result.output.index("mk-workers: deleted") < result.output.index("mk-orders: deleted")
    assert stack_names(moto_reset) == {"mk-web"}
    again = run("delete", "mk-orders", "mk-workers", "--yes")
    assert again.exit_code == 0, again.output
    assert "mk-orders: not deployed, nothing to delete" in again.output
    everything = run("delete", "--all", "--yes")
    assert everything.exit_code == 0, everything.output
    assert stack_names(moto_reset) == set()


def test_delete_needs_names_or_all(project: Path) -> None:
    assert run("delete", "--yes").exit_code == 2
    assert run("delete", "--all", "mk-web", "--yes").exit_code == 2


def test_a_cycle_between_stacks_is_refused_by_check_render_and_deploy(project: Path, moto_reset: Any) -> None:
    write(project, "orders.py", CONSUMER.format(name="mk-orders", producer="mk-workers"))
    for args in (["check"], ["render"], ["deploy", "--artifact-bucket", BUCKET]):
        result = run(*args)
        assert result.exit_code == 2, (args, result.output)
        assert "mk-orders -> mk-workers -> mk-orders" in result.output
    assert not (project / "templates").exists()
    assert stack_names(moto_reset) == set()
