"""Operating rules and an existing bucket's route through EventBridge, for real: the CLI in a temp project outside
the repo, relative paths, a moto server over HTTP. `status` lists the rules, `enable`/`disable` switch them (and a
deploy keeps what they set), `deploy` checks the routed bucket sends its events to EventBridge and, with
--enable-bucket-eventbridge, turns it on while keeping the bucket's other notifications.
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

BUCKET = "rt-ops-artifacts"
LANDING = "rt-landing"
SPEC = """
from cfngen import S3Bucket, Stack

stack = Stack("rt-ops")
worker = stack.function("Worker", code="functions/app", handler="app.handler", runtime="python3.12")
worker.add_event_source(stack.schedule("Nightly", "cron(0 3 * * ? *)"), input={"job": "nightly"})
worker.add_event_source(S3Bucket.from_name("rt-landing", name="Landing"), events=["s3:ObjectCreated:*"],
                        prefix="in/", via="eventbridge")
"""


@pytest.fixture
def project(tmp_path: Path, moto_reset: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    user_project(tmp_path, monkeypatch, moto_reset, {"ops.py": SPEC}, code="app", bucket=BUCKET)
    s3, sqs = moto_reset.client("s3"), moto_reset.client("sqs")
    # The bucket the stack does not own, already notifying a queue of someone else's.
    s3.create_bucket(Bucket=LANDING)
    url = sqs.create_queue(QueueName="rt-audit")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(
        Bucket=LANDING,
        NotificationConfiguration={"QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectRemoved:*"]}]},
    )
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def resources(moto: Any) -> dict[str, str]:
    return stack_resources(moto, "rt-ops")


def rule_state(moto: Any, logical: str) -> str:
    return str(moto.client("events").describe_rule(Name=resources(moto)[logical])["State"])


def queues(moto: Any) -> list[str]:
    read = moto.client("s3").get_bucket_notification_configuration(Bucket=LANDING)
    return [q["QueueArn"].rsplit(":", 1)[-1] for q in read.get("QueueConfigurations", [])]


def test_the_route_deploys_and_the_bucket_is_checked_then_turned_on_by_merging(project: Path, moto_reset: Any) -> None:
    assert run("render").exit_code == 0
    lint = run("lint", "--strict")
    assert lint.exit_code == 0, lint.output

    first = run("deploy", "--artifact-bucket", BUCKET)

    assert first.exit_code == 0, first.output
    # Off (moto never reports it on): said, with the exact command, which keeps the queue notification.
    assert f"note: bucket {LANDING} does not send its events to EventBridge, so rt-ops.WorkerLanding" in first.output
    command = next(
        line.strip() for line in first.output.splitlines() if "put-bucket-notification-configuration" in line
    )
    assert command.startswith(f"aws s3api put-bucket-notification-configuration --region us-east-1 --bucket {LANDING} ")
    merged = json.loads(command.split("--notification-configuration ", 1)[1].strip("'"))
    assert merged["EventBridgeConfiguration"] == {} and len(merged["QueueConfigurations"]) == 1
    assert queues(moto_reset) == ["rt-audit"]  # nothing written without the flag
    # The rule on the default bus: S3's Object Created events of that bucket under in/, to the function.
    ids, events = resources(moto_reset), moto_reset.client("events")
    rule = events.describe_rule(Name=ids["WorkerLandingRule"])
    assert rule["EventBusName"] == "default" and rule["State"] == "ENABLED"
    assert json.loads(rule["EventPattern"]) == {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": [LANDING]}, "object": {"key": [{"prefix": "in/"}]}},
    }
    (target,) = events.list_targets_by_rule(Rule=ids["WorkerLandingRule"])["Targets"]
    assert target["Arn"].endswith(":function:" + ids["WorkerFunction"])
    policy = json.loads(moto_reset.client("lambda").get_policy(FunctionName=ids["WorkerFunction"])["Policy"])
    scoped = sorted(s["Condition"]["ArnLike"]["AWS:SourceArn"] for s in policy["Statement"])
    assert scoped == sorted([rule["Arn"], events.describe_rule(Name=ids["NightlyRule"])["Arn"]])

    second = run("deploy", "--artifact-bucket", BUCKET, "--enable-bucket-eventbridge")

    assert second.exit_code == 0, second.output
    assert (
        f"bucket {LANDING}: EventBridge notifications turned on for rt-ops.WorkerLanding "
        "(its 1 other notification configuration kept)" in second.output
    )
    assert queues(moto_reset) == ["rt-audit"]  # merged, not replaced


def test_status_lists_rules_and_enable_disable_switch_them_and_deploy_keeps_the_switch(
    project: Path, moto_reset: Any
) -> None:
    assert run("deploy", "--artifact-bucket", BUCKET, "--render").exit_code == 0

    status = run("status", "rt-ops")

    assert status.exit_code == 0, status.output
    fn = resources(moto_reset)["WorkerFunction"]
    assert f"  rule Nightly: ENABLED schedule cron(0 3 * * ? *) -> {fn}" in status.output
    assert (
        '  rule WorkerLanding: ENABLED pattern {"detail":{"bucket":{"name":["rt-landing"]},"object":{"key":'
        in status.output
    )
    assert f"    route from bucket {LANDING}: not live: the bucket does not send its events to EventBridge" in (
        status.output
    )

    disabled = run("disable", "rt-ops", "Nightly", "WorkerLanding")

    assert disabled.exit_code == 0, disabled.output
    assert "rt-ops: rule Nightly DISABLED" in disabled.output
    assert "rt-ops: rule WorkerLanding DISABLED" in disabled.output
    assert rule_state(moto_reset, "NightlyRule") == rule_state(moto_reset, "WorkerLandingRule") == "DISABLED"

    # A later deploy keeps what disable set (the spec's default is enabled).
    again = run("deploy", "--artifact-bucket", BUCKET)
    assert again.exit_code == 0, again.output
    assert "Nightly: keeping deployed Enabled=false" in again.output
    assert rule_state(moto_reset, "NightlyRule") == "DISABLED"
    assert "rule Nightly: DISABLED schedule" in run("status", "rt-ops").output

    enabled = run("enable", "rt-ops", "Nightly")
    assert enabled.exit_code == 0, enabled.output
    assert "rt-ops: rule Nightly ENABLED" in enabled.output
    assert rule_state(moto_reset, "NightlyRule") == "ENABLED"
    assert rule_state(moto_reset, "WorkerLandingRule") == "DISABLED"

    unknown = run("enable", "rt-ops", "Nighty")
    assert unknown.exit_code == 2
    assert "has no mapping or rule 'Nighty'" in unknown.output and "Traceback" not in unknown.output
