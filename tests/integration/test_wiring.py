"""References, grants and stack parameters end to end: the real CLI in a temp project, a moto server over HTTP.

A `--parameter` reaches the function's environment and its fixed name; the table's name and the queue's URL
reach it as the resources' physical names and URL (Ref resolved by CloudFormation); the grants are on the role.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from cfngen.cli import cli

pytestmark = pytest.mark.integration

BUCKET = "cfngen-wiring-artifacts"
STACK = """
from cfngen import Secret, Stack

stack = Stack("wr-payments")
stage = stack.parameter("Stage", default="dev", allowed=["dev", "prod"])
table = stack.dynamodb_table("Accounts", partition_key="id", retain=False)
outbox = stack.sqs_queue("Outbox")
token = Secret.from_arn("arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:wr-api-AbCdEf")
api = stack.function(
    "Api",
    code="functions/api",
    handler="app.handler",
    runtime="python3.12",
    function_name="wr-api-" + stage,
    environment={"TABLE": table.name, "OUTBOX": outbox.url, "STAGE": stage, "TOKEN_ARN": token.arn},
)
table.grant_read_write(api)
outbox.grant_send(api)
token.grant_read(api)
"""


@pytest.fixture
def project(tmp_path: Path, moto_reset: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.cfngen]\n")
    code = tmp_path / "stacks/functions/api"
    code.mkdir(parents=True)
    (code / "app.py").write_text("def handler(event, context):\n    return event\n")
    (tmp_path / "stacks/payments.py").write_text(textwrap.dedent(STACK))
    monkeypatch.chdir(tmp_path)
    for key, value in {
        "AWS_ENDPOINT_URL": moto_reset.endpoint_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    moto_reset.client("s3").create_bucket(Bucket=BUCKET)
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_a_parameter_and_references_reach_the_function(project: Path, moto_reset: Any) -> None:
    assert run("render").exit_code == 0
    assert run("lint", "--strict").exit_code == 0

    result = run("deploy", "--artifact-bucket", BUCKET, "--parameter", "Stage=prod")

    assert result.exit_code == 0, result.output
    lam = moto_reset.client("lambda")
    config = lam.get_function_configuration(FunctionName="wr-api-prod")  # the fixed name, with the parameter
    env = config["Environment"]["Variables"]
    assert env["STAGE"] == "prod"
    assert env["TABLE"] in moto_reset.client("dynamodb").list_tables()["TableNames"]
    # The queue's URL as CloudFormation resolves it (moto names its host amazonaws.com, not its endpoint).
    queues = {url.split("/", 3)[3] for url in moto_reset.client("sqs").list_queues()["QueueUrls"]}
    assert env["OUTBOX"].startswith("https://sqs.us-east-1.") and env["OUTBOX"].split("/", 3)[3] in queues
    assert env["TOKEN_ARN"].startswith("arn:aws:secretsmanager:us-east-1:") and env["TOKEN_ARN"].endswith(
        ":secret:wr-api-AbCdEf"
    )
    role = config["Role"].rsplit("/", 1)[-1]
    iam = moto_reset.client("iam")
    document = iam.get_role_policy(RoleName=role, PolicyName="function")["PolicyDocument"]
    text = document if isinstance(document, str) else json.dumps(document)
    table_arn = moto_reset.client("dynamodb").describe_table(TableName=env["TABLE"])["Table"]["TableArn"]
    assert "dynamodb:PutItem" in text and table_arn in text and f"{table_arn}/index/*" in text
    assert "sqs:SendMessage" in text and "secretsmanager:GetSecretValue" in text


def test_a_default_outside_allowed_is_refused_before_anything_deploys(project: Path, moto_reset: Any) -> None:
    source = (project / "stacks/payments.py").read_text()
    (project / "stacks/payments.py").write_text(source.replace('default="dev"', 'default="qa"'))

    result = run("render")

    assert result.exit_code == 2, result.output
    assert "Stage" in result.output and "'qa' is not one of allowed" in result.output
    assert "Traceback" not in result.output
    assert not (project / "templates").exists() or not list((project / "templates").iterdir())


def test_a_parameter_value_outside_allowed_is_refused_before_anything_is_deployed(
    project: Path, moto_reset: Any
) -> None:
    """moto would deploy it (CloudFormation refuses it at the change set): cfngen says so first, exit 2."""
    result = CliRunner().invoke(
        cli, ["deploy", "--render", "--artifact-bucket", BUCKET, "--parameter", "Stage=qa"], catch_exceptions=False
    )
    assert result.exit_code == 2, result.output
    assert "--parameter Stage=qa: not allowed by stack wr-payments; allowed: dev, prod" in result.output
    stacks = moto_reset.client("cloudformation").list_stacks()["StackSummaries"]
    assert [s["StackName"] for s in stacks if s["StackStatus"] != "DELETE_COMPLETE"] == []
