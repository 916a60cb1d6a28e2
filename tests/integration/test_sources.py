"""SQS queues, EventBridge rules and schedules, deployed for real: the CLI in a temp project outside the repo,
relative paths, a moto server over HTTP. What lands is read back from SQS, Lambda and EventBridge.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from moto_fixtures import as_a_user

from cfngen.cli import cli

pytestmark = pytest.mark.integration

BUCKET = "cfngen-sources-artifacts"
SPEC = """
from cfngen import EventBus, SqsQueue, Stack

stack = Stack("src-jobs")
runner = stack.function("Runner", code="functions/app", handler="app.handler", runtime="python3.12", timeout=20)
work = stack.sqs_queue("Work", queue_name="src-work")
runner.add_event_source(work, batch_size=20, batching_window_seconds=2, report_batch_item_failures=True,
                        max_concurrency=5)
fifo = stack.sqs_queue("Orders", fifo=True, queue_name="src-orders.fifo", max_receive_count=3)
runner.add_event_source(fifo, batch_size=10, enabled=False)
runner.add_event_source(SqsQueue.from_arn("arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:src-theirs"))
reactor = stack.function("Reactor", code="functions/app", handler="app.handler", runtime="python3.12",
                         on_failure=stack.sqs_queue("Failed", max_receive_count=None))
reactor.add_event_source(stack.event_rule("Placed", pattern={"source": ["shop.orders"]},
                                          bus=EventBus.from_name("src-theirs")), input={"from": "rule"})
reactor.add_event_source(stack.event_rule("Shipped", pattern={"detail-type": ["Shipped"]},
                                          bus=stack.event_bus("Shop", bus_name="src-shop")))
reactor.add_event_source(stack.schedule("Nightly", "cron(0 3 * * ? *)"), input={"job": "nightly"})
reactor.add_event_source(stack.schedule("Often", "rate(5 minutes)", enabled=False))
"""


@pytest.fixture
def project(tmp_path: Path, moto_reset: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.cfngen]\n")
    code = tmp_path / "stacks/functions/app"
    code.mkdir(parents=True)
    (code / "app.py").write_text("def handler(event, context):\n    return event\n")
    (tmp_path / "stacks/jobs.py").write_text(textwrap.dedent(SPEC))
    as_a_user(monkeypatch, tmp_path, moto_reset.endpoint_url)
    moto_reset.client("s3").create_bucket(Bucket=BUCKET)
    # What the stack uses but does not own: a queue and a bus that exist already.
    moto_reset.client("sqs").create_queue(QueueName="src-theirs")
    moto_reset.client("events").create_event_bus(Name="src-theirs")
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def resources(moto: Any) -> dict[str, str]:
    listed = moto.client("cloudformation").list_stack_resources(StackName="src-jobs")["StackResourceSummaries"]
    return {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in listed if r["LogicalResourceId"]}


def test_queues_rules_and_schedules_deploy_with_their_mappings_targets_and_permissions(
    project: Path, moto_reset: Any
) -> None:
    assert run("render").exit_code == 0
    lint = run("lint", "--strict")
    assert lint.exit_code == 0, lint.output

    result = run("deploy", "--artifact-bucket", BUCKET, "--timeout", "60")

    assert result.exit_code == 0, result.output
    ids = resources(moto_reset)
    sqs, lam, events = moto_reset.client("sqs"), moto_reset.client("lambda"), moto_reset.client("events")
    # The queue: encrypted, 6x the runner's 20 s visibility timeout, a dead-letter queue after 5 receives.
    attributes = sqs.get_queue_attributes(QueueUrl=ids["WorkQueue"], AttributeNames=["All"])["Attributes"]
    assert attributes["SqsManagedSseEnabled"] == "true" and attributes["VisibilityTimeout"] == "120"
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["maxReceiveCount"] == 5 and redrive["deadLetterTargetArn"].endswith(":src-work-dlq")
    fifo = sqs.get_queue_attributes(QueueUrl=ids["OrdersQueue"], AttributeNames=["All"])["Attributes"]
    assert fifo["FifoQueue"] == "true" and json.loads(fifo["RedrivePolicy"])["deadLetterTargetArn"].endswith(
        ":src-orders-dlq.fifo"
    )
    # The mappings, with their options and their switches.
    mappings = {
        m["EventSourceArn"].rsplit(":", 1)[-1]: m for m in lam.list_event_source_mappings()["EventSourceMappings"]
    }
    assert sorted(mappings) == ["src-orders.fifo", "src-theirs", "src-work"]
    work = mappings["src-work"]
    assert (work["BatchSize"], work["MaximumBatchingWindowInSeconds"], work["State"]) == (20, 2, "Enabled")
    assert work["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert work["ScalingConfig"] == {"MaximumConcurrency": 5}
    assert mappings["src-orders.fifo"]["State"] == "Disabled"
    # The rules, on their buses, with their targets and inputs; schedules on the default bus.
    rules = {
        r["Name"]: (bus, r)
        for bus in ("default", "src-theirs", "src-shop")
        for r in events.list_rules(EventBusName=bus)["Rules"]
    }
    by_id = {logical: rules[ids[logical]] for logical in ("PlacedRule", "ShippedRule", "NightlyRule", "OftenRule")}
    assert {k: bus for k, (bus, _) in by_id.items()} == {
        "PlacedRule": "src-theirs", "ShippedRule": "src-shop", "NightlyRule": "default", "OftenRule": "default"
    }  # fmt: skip
    assert by_id["NightlyRule"][1]["ScheduleExpression"] == "cron(0 3 * * ? *)"
    assert json.loads(by_id["PlacedRule"][1]["EventPattern"]) == {"source": ["shop.orders"]}
    assert by_id["OftenRule"][1]["State"] == "DISABLED" and by_id["NightlyRule"][1]["State"] == "ENABLED"
    (target,) = events.list_targets_by_rule(Rule=ids["NightlyRule"])["Targets"]
    assert target["Arn"].endswith(":function:" + ids["ReactorFunction"]) and target["Input"] == '{"job":"nightly"}'
    (placed,) = events.list_targets_by_rule(Rule=ids["PlacedRule"], EventBusName="src-theirs")["Targets"]
    assert placed["Input"] == '{"from":"rule"}'
    # One permission per rule, for EventBridge, scoped to that rule.
    policy = json.loads(lam.get_policy(FunctionName=ids["ReactorFunction"])["Policy"])
    scoped = sorted(s["Condition"]["ArnLike"]["AWS:SourceArn"] for s in policy["Statement"])
    assert all(s["Principal"] == {"Service": "events.amazonaws.com"} for s in policy["Statement"])
    assert scoped == sorted(r["Arn"] for _, r in by_id.values())

    status = run("status", "src-jobs")
    assert status.exit_code == 0, status.output
    assert "mapping RunnerWork: Enabled batch 20" in status.output
    assert "mapping RunnerOrders: Disabled batch 10" in status.output

    enabled = run("enable", "src-jobs", "RunnerOrders")
    assert enabled.exit_code == 0, enabled.output
    assert lam.get_event_source_mapping(UUID=resources(moto_reset)["RunnerOrdersMapping"])["State"] == "Enabled"


def test_a_bad_value_is_a_spec_error_and_nothing_deploys(project: Path, moto_reset: Any) -> None:
    spec = project / "stacks/jobs.py"
    spec.write_text(spec.read_text().replace("cron(0 3 * * ? *)", "cron(0 3 * * *)"))

    result = run("deploy", "--artifact-bucket", BUCKET, "--render")

    assert result.exit_code == 2, result.output
    assert "stacks/jobs.py" in result.output and "src-jobs.Nightly.expression" in result.output
    assert "has 5 fields, like Unix cron" in result.output
    assert "Traceback" not in result.output
    assert moto_reset.client("cloudformation").describe_stacks()["Stacks"] == []
