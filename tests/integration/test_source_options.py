"""More options on existing sources (issue 10), deployed for real: the CLI in a temp project outside the repo,
relative paths, a moto server over HTTP. What lands is read back from Lambda, DynamoDB and IAM.

moto cannot hold two of these, so they are covered by the golden and unit tests instead: enhanced fan-out
(AWS::Kinesis::StreamConsumer is skipped and a consumer ARN is no mapping source on moto:
P::test_stream_consumer_is_skipped_like_other_unsupported_types, P::test_mapping_from_a_consumer_arn_is_refused)
and the asynchronous invocation settings themselves (AWS::Lambda::EventInvokeConfig is skipped:
P::test_event_invoke_config_is_skipped_like_other_unsupported_types); their IAM is checked here.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from click.testing import CliRunner, Result
from moto_fixtures import stack_resources, user_project

from cfngen.cli import cli

pytestmark = pytest.mark.integration

BUCKET = "cfngen-options-artifacts"
FALLBACK = "arn:aws:lambda:us-east-1:123456789012:function:opt-fallback"
SPEC = """
from cfngen import Stack

stack = Stack("opt-ledger")
results = stack.event_bus("Results", bus_name="opt-results")
failed = stack.sns_topic("Failed")
done = stack.sqs_queue("Done", queue_name="opt-done")
reader = stack.function("Reader", code="functions/app", handler="app.handler", runtime="python3.12",
                        on_success=results, on_failure=failed, max_event_age_seconds=3600, max_retry_attempts=1)
writer = stack.function("Writer", code="functions/app", handler="app.handler", runtime="python3.12",
                        on_success=done, on_failure="{fallback}", max_retry_attempts=0)
clicks = stack.kinesis_stream("Clicks", stream_name="opt-clicks")
reader.add_event_source(clicks, starting_position="LATEST", report_batch_item_failures=True,
                        tumbling_window_seconds=120{extra})
ledger = stack.dynamodb_table("Ledger", partition_key="id", stream_view="NEW_IMAGE", table_name="opt-ledger",
                              billing="provisioned", read_capacity=5, write_capacity=2, retain=False)
writer.add_event_source(ledger, starting_position="TRIM_HORIZON", tumbling_window_seconds=900)
"""


def write_spec(project: Path, extra: str = "") -> None:
    (project / "stacks/ledger.py").write_text(textwrap.dedent(SPEC).format(fallback=FALLBACK, extra=extra))


@pytest.fixture
def project(tmp_path: Path, moto_reset: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    user_project(tmp_path, monkeypatch, moto_reset, {}, code="app", bucket=BUCKET)
    write_spec(tmp_path)
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def resources(moto: Any) -> dict[str, str]:
    return stack_resources(moto, "opt-ledger")


def role_statements(moto: Any, role: str) -> list[dict[str, Any]]:
    iam = moto.client("iam")
    found: list[dict[str, Any]] = []
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        # moto answers a role's inline policy from CloudFormation with the Python repr of the document (AWS: JSON)
        found += (ast.literal_eval(unquote(document)) if isinstance(document, str) else document)["Statement"]
    return found


def test_stream_options_a_provisioned_table_and_async_destinations_deploy(project: Path, moto_reset: Any) -> None:
    assert run("render").exit_code == 0
    lint = run("lint", "--strict")
    assert lint.exit_code == 0, lint.output

    result = run("deploy", "--artifact-bucket", BUCKET, "--timeout", "60")

    assert result.exit_code == 0, result.output
    ids = resources(moto_reset)
    lam = moto_reset.client("lambda")
    mappings = {m["EventSourceArn"].split(":")[5]: m for m in lam.list_event_source_mappings()["EventSourceMappings"]}
    clicks = mappings["stream/opt-clicks"]
    assert clicks["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert clicks["TumblingWindowInSeconds"] == 120
    ledger = next(m for key, m in mappings.items() if key.startswith("table/opt-ledger/stream/"))
    assert ledger["TumblingWindowInSeconds"] == 900 and "FunctionResponseTypes" not in ledger
    table = moto_reset.client("dynamodb").describe_table(TableName="opt-ledger")["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    throughput = table["ProvisionedThroughput"]
    assert (throughput["ReadCapacityUnits"], throughput["WriteCapacityUnits"]) == (5, 2)
    # The destinations: each role may send to exactly its own.
    bus_arn = moto_reset.client("events").describe_event_bus(Name="opt-results")["Arn"]
    reader = role_statements(moto_reset, ids["ReaderRole"])
    assert {"Action": ["events:PutEvents"], "Effect": "Allow", "Resource": [bus_arn]} in reader
    assert {"Action": ["sns:Publish"], "Effect": "Allow", "Resource": [ids["FailedTopic"]]} in reader
    writer = role_statements(moto_reset, ids["WriterRole"])
    queue_arn = moto_reset.client("sqs").get_queue_attributes(QueueUrl=ids["DoneQueue"], AttributeNames=["QueueArn"])
    assert {"Action": ["sqs:SendMessage"], "Effect": "Allow", "Resource": [queue_arn["Attributes"]["QueueArn"]]} in (
        writer
    )
    assert {"Action": ["lambda:InvokeFunction"], "Effect": "Allow", "Resource": [FALLBACK]} in writer
    assert not any("PutEvents" in str(st) or "sns:" in str(st) for st in writer)


def test_a_bad_option_value_is_refused_before_anything_is_deployed(project: Path, moto_reset: Any) -> None:
    write_spec(project, extra=", enhanced_fan_out='yes'")

    result = run("deploy", "--artifact-bucket", BUCKET, "--render", "--timeout", "60")

    assert result.exit_code == 2, result.output
    assert "stacks/ledger.py" in result.output and "opt-ledger.Reader<-Clicks.enhanced_fan_out" in result.output
    assert "'yes' is not allowed; allowed: True or False" in result.output
    assert "Traceback" not in result.output
    assert moto_reset.client("cloudformation").describe_stacks()["Stacks"] == []
