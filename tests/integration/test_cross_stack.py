"""Cross-stack references end to end: a consumer's mappings and environment get the producer's real resources.

A temp project outside the repo, relative paths, the real CLI, a moto server over HTTP. The producer's table has
a stream whose ARN carries a creation label: nothing in the consumer could guess it, so a mapping that points at
it proves the value came from the deployed producer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from moto_fixtures import stack_resources, user_project

from cfngen.cli import cli

pytestmark = pytest.mark.integration

BUCKET = "cfngen-cross-artifacts"
PRODUCER = """
from cfngen import Stack

stack = Stack("xs-orders")
audit = stack.dynamodb_table("Audit", partition_key="pk", stream_view="NEW_IMAGE", retain=False)
clicks = stack.kinesis_stream("Clicks")
"""
CONSUMER = """
from orders import audit, clicks

from cfngen import Stack

stack = Stack("xs-workers")
worker = stack.function("Worker", code="functions/w", handler="app.handler", runtime="python3.12",
                        environment={"AUDIT_TABLE": audit.name})
worker.add_event_source(audit, starting_position="LATEST")
worker.add_event_source(clicks, starting_position="LATEST", enabled=False)
"""


@pytest.fixture
def project(tmp_path: Path, moto_reset: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    # a_workers.py sorts before orders.py: the consumer's file loads first and imports the producer's.
    files = {"a_workers.py": CONSUMER, "orders.py": PRODUCER}
    return user_project(tmp_path, monkeypatch, moto_reset, files, code="w", bucket=BUCKET)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_consumer_alone_before_its_producer_fails_clearly_and_creates_nothing(project: Path, moto_reset: Any) -> None:
    assert run("render").exit_code == 0
    result = run("deploy", "--artifact-bucket", BUCKET, "xs-workers")
    assert result.exit_code == 1, result.output
    assert "takes" in result.output and "from stack xs-orders, which is not deployed" in result.output
    assert "cfngen deploy xs-orders xs-workers" in result.output
    stacks = moto_reset.client("cloudformation").list_stacks()["StackSummaries"]
    assert [s["StackName"] for s in stacks if s["StackStatus"] != "DELETE_COMPLETE"] == []


def test_consumer_alone_creates_no_bootstrap_bucket_either(project: Path, moto_reset: Any) -> None:
    assert run("render").exit_code == 0
    result = run("deploy", "xs-workers")  # the default artifact bucket: the bootstrap stack, made on first use
    assert result.exit_code == 1, result.output
    assert "which is not deployed" in result.output
    assert moto_reset.client("cloudformation").list_stacks()["StackSummaries"] == []


def test_consumer_mappings_and_environment_point_at_the_producers_resources(project: Path, moto_reset: Any) -> None:
    assert run("render").exit_code == 0
    consumer = json.loads((project / "templates/xs-workers.json").read_text())
    assert sorted(consumer["Metadata"]["cfngen:imports"]) == [
        "XsOrdersAuditTableArn",
        "XsOrdersAuditTableName",
        "XsOrdersAuditTableStreamArn",
        "XsOrdersClicksStreamArn",
    ]
    result = run("deploy", "--artifact-bucket", BUCKET, "xs-orders", "xs-workers")
    assert result.exit_code == 0, result.output

    lam = moto_reset.client("lambda")
    resources = stack_resources(moto_reset, "xs-orders")
    table = moto_reset.client("dynamodb").describe_table(TableName=resources["AuditTable"])["Table"]
    stream = moto_reset.client("kinesis").describe_stream_summary(StreamName=resources["ClicksStream"])
    function = stack_resources(moto_reset, "xs-workers")["WorkerFunction"]
    mappings = {
        m["EventSourceArn"]: m for m in lam.list_event_source_mappings(FunctionName=function)["EventSourceMappings"]
    }
    assert set(mappings) == {table["LatestStreamArn"], stream["StreamDescriptionSummary"]["StreamARN"]}
    env = lam.get_function_configuration(FunctionName=function)["Environment"]["Variables"]
    assert env == {"AUDIT_TABLE": table["TableName"]}

    again = run("deploy", "--artifact-bucket", BUCKET, "xs-workers")  # the producer deployed: the consumer alone
    assert again.exit_code == 0, again.output
    assert "no changes" in again.output.lower() or "up to date" in again.output.lower(), again.output
