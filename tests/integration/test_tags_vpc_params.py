"""Tags, VPC functions, kept parameter values and replacements end to end: the real CLI in a temp project, a moto
server over HTTP.

Stack tags reach the stack and its resources (a function's own tags and `--tag` win on a shared key); a VPC
function gets its VpcConfig (one subnet: a warning at render and deploy, not an error); a `--parameter` set once is
kept by the next deploy and shown as kept by `diff`; a changed `function_name` is shown as a replacement; an SSM
parameter path's grant is on the role.
"""

from __future__ import annotations

import ast
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from moto_fixtures import user_project

from cfngen.cli import cli

pytestmark = pytest.mark.integration

BUCKET = "cfngen-tags-artifacts"
STACK = """
from cfngen import SsmParameter, Stack, Vpc

stack = Stack("tv-payments", tags={"team": "payments", "cost-centre": "42"})
stage = stack.parameter("Stage", default="dev", allowed=["dev", "prod", "test"])
outbox = stack.sqs_queue("Outbox")
api = stack.function(
    "Api",
    code="functions/api",
    handler="app.handler",
    runtime="python3.12",
    function_name=NAME,
    environment={"STAGE": stage},
    tags={"tier": "web", "team": "api"},
    vpc=Vpc(subnet_ids=[SUBNET], security_group_ids=[GROUP]),
)
SsmParameter.from_path("/tv/prod/").grant_read(api)
"""


@pytest.fixture
def project(tmp_path: Path, moto_reset: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    user_project(tmp_path, monkeypatch, moto_reset, {}, code="api", bucket=BUCKET)
    ec2 = moto_reset.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="tv", Description="tv", VpcId=vpc)["GroupId"]
    write_stack(tmp_path, subnet=subnet, group=group)
    return tmp_path


def write_stack(root: Path, *, name: str = '"tv-api-" + stage', subnet: str = "", group: str = "") -> None:
    path = root / "stacks/payments.py"
    if not subnet:  # keep the ids of the first version
        old = path.read_text()
        subnet = old.split("subnet_ids=[")[1].split("]")[0].strip('"')
        group = old.split("security_group_ids=[")[1].split("]")[0].strip('"')
    text = textwrap.dedent(STACK).replace("NAME", name).replace("SUBNET", f'"{subnet}"').replace("GROUP", f'"{group}"')
    path.write_text(text)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_tags_reach_the_stack_and_its_resources_and_a_vpc_function_is_placed(project: Path, moto_reset: Any) -> None:
    rendered = run("render")
    assert rendered.exit_code == 0, rendered.output
    assert "warning: Api runs in 1 subnet" in rendered.output  # a warning, not an error
    assert run("lint", "--strict").exit_code == 0

    result = run("deploy", "--artifact-bucket", BUCKET, "--tag", "cost-centre=77", "--tag", "owner=ops")

    assert result.exit_code == 0, result.output
    assert "warning: Api runs in 1 subnet" in result.output
    cfn = moto_reset.client("cloudformation")
    stack_tags = {t["Key"]: t["Value"] for t in cfn.describe_stacks(StackName="tv-payments")["Stacks"][0]["Tags"]}
    assert stack_tags == {"team": "payments", "cost-centre": "77", "owner": "ops"}  # --tag wins
    # The function's own tags win over the stack's on its role and log group. (moto's CloudFormation drops a
    # function's Tags, P::test_lambda_function_tags_are_dropped: the golden tests check them on the function.)
    own = {"team": "api", "cost-centre": "42", "tier": "web"}
    iam = moto_reset.client("iam")
    role = next(r["RoleName"] for r in iam.list_roles()["Roles"] if "ApiRole" in r["RoleName"])
    assert {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=role)["Tags"]} == own
    logs = moto_reset.client("logs")
    assert logs.list_tags_log_group(logGroupName="/aws/lambda/tv-payments/Api")["tags"] == own
    lam = moto_reset.client("lambda")
    fn = lam.get_function(FunctionName="tv-api-dev")
    policy = iam.get_role_policy(RoleName=role, PolicyName="function")["PolicyDocument"]
    policy = ast.literal_eval(policy) if isinstance(policy, str) else policy  # moto: a Python repr of the dict
    by_action = {a: st["Resource"] for st in policy["Statement"] for a in st["Action"]}
    ssm = "arn:aws:ssm:us-east-1:123456789012:parameter/tv/prod"
    assert by_action["ssm:GetParametersByPath"] == [ssm]
    assert by_action["ssm:GetParameter"] == [ssm + "/*"]
    assert by_action["ec2:DescribeNetworkInterfaces"] == ["*"]
    vpc = fn["Configuration"]["VpcConfig"]
    subnet = (project / "stacks/payments.py").read_text().split("subnet_ids=[")[1].split("]")[0].strip('"')
    assert vpc["SubnetIds"] == [subnet]
    sqs = moto_reset.client("sqs")
    url = sqs.list_queues()["QueueUrls"]
    queue_tags = [sqs.list_queue_tags(QueueUrl=u).get("Tags", {}) for u in url]
    assert {"team": "payments", "cost-centre": "42"}.items() <= queue_tags[0].items()


def test_bad_tags_are_refused_before_anything_deploys(project: Path, moto_reset: Any) -> None:
    text = (project / "stacks/payments.py").read_text().replace('"team": "payments"', '"aws:team": "payments"')
    (project / "stacks/payments.py").write_text(text)
    result = run("render")
    assert result.exit_code == 2
    assert "tv-payments.tags: key 'aws:team' starts with 'aws:'" in result.output
    write_stack(project)
    assert run("render").exit_code == 0
    refused = run("deploy", "--artifact-bucket", BUCKET, "--tag", "a;b=1")
    assert refused.exit_code == 2, refused.output
    assert "--tag a;b=1: key 'a;b' has the character ';'" in refused.output
    assert moto_reset.client("cloudformation").list_stacks()["StackSummaries"] == []


def _stage(moto: Any, name: str) -> str:
    return str(moto.client("lambda").get_function_configuration(FunctionName=name)["Environment"]["Variables"]["STAGE"])


def _deployed(moto: Any) -> dict[str, str]:
    described = moto.client("cloudformation").describe_stacks(StackName="tv-payments")["Stacks"][0]
    return {p["ParameterKey"]: p["ParameterValue"] for p in described["Parameters"]}


def test_a_parameter_set_once_is_kept_by_the_next_deploy_and_diff_says_so(project: Path, moto_reset: Any) -> None:
    assert run("render").exit_code == 0
    assert run("deploy", "--artifact-bucket", BUCKET, "--parameter", "Stage=prod").exit_code == 0
    assert _stage(moto_reset, "tv-api-prod") == "prod"

    diff = run("diff", "--artifact-bucket", BUCKET)
    assert diff.exit_code == 0, diff.output
    assert "note: Stage: keeping deployed value 'prod' (spec default 'dev'" in diff.output
    assert "Stage: prod -> dev" not in diff.output

    again = run("deploy", "--artifact-bucket", BUCKET)
    assert again.exit_code == 0, again.output
    assert "up to date" in again.output
    assert "keeping deployed value 'prod'" in again.output
    assert _stage(moto_reset, "tv-api-prod") == "prod"

    assert _deployed(moto_reset)["Stage"] == "prod"

    changed = run("deploy", "--artifact-bucket", BUCKET, "--parameter", "Stage=test")
    assert changed.exit_code == 0, changed.output
    # (moto does not apply a parameter-only update to the function; the stack's parameter is what cfngen sent)
    assert _deployed(moto_reset)["Stage"] == "test"
    assert "keeping deployed value 'test'" in run("diff", "--artifact-bucket", BUCKET).output


def test_a_kept_value_the_template_no_longer_allows_is_refused(project: Path, moto_reset: Any) -> None:
    assert run("render").exit_code == 0
    assert run("deploy", "--artifact-bucket", BUCKET, "--parameter", "Stage=test").exit_code == 0
    text = (project / "stacks/payments.py").read_text().replace(', "test"]', "]")
    (project / "stacks/payments.py").write_text(text)
    assert run("render").exit_code == 0

    refused = run("deploy", "--artifact-bucket", BUCKET)

    assert refused.exit_code == 2, refused.output
    assert "parameter Stage: the deployed value 'test' is no longer allowed (allowed: dev, prod)" in refused.output
    assert "--parameter Stage=VALUE" in refused.output
    assert _deployed(moto_reset)["Stage"] == "test"
    assert run("deploy", "--artifact-bucket", BUCKET, "--parameter", "Stage=dev").exit_code == 0
    assert _deployed(moto_reset)["Stage"] == "dev"


def test_a_changed_function_name_is_shown_as_a_replacement(project: Path, moto_reset: Any) -> None:
    assert run("render").exit_code == 0
    assert run("deploy", "--artifact-bucket", BUCKET).exit_code == 0
    write_stack(project, name='"tv-renamed-" + stage')
    assert run("render").exit_code == 0

    diff = run("diff", "--artifact-bucket", BUCKET)

    assert diff.exit_code == 0, diff.output
    row = [line for line in diff.output.splitlines() if "ApiFunction" in line and "AWS::Lambda::Function" in line]
    assert row and row[0].lstrip().startswith("!"), diff.output
    assert "replacement" in row[0].lower(), row
    assert json.loads((project / "templates/tv-payments.json").read_text())  # the committed template is valid
