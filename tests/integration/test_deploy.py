"""`cfngen deploy` and friends end to end: the real CLI, over HTTP, against a moto server.

Where moto differs from AWS the test says so; AWS-only behaviours (rollback, FAILED empty change sets,
throttling) are covered with botocore's Stubber in tests/unit/test_engine_stubbed.py.
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

BUCKET = "cfngen-it-artifacts"

HELLO = """
from cfngen import Stack

stack = Stack("it-hello")
stack.function("Hello", code="functions/hello", handler="app.handler", runtime="python3.12")
"""

ORDERS = """
from cfngen import Stack

stack = Stack("it-orders")
fn = stack.function("Processor", code="functions/hello", handler="app.handler", runtime="python3.12")
stream = stack.kinesis_stream("Orders", shards=1)
fn.add_event_source(stream, starting_position="LATEST", enabled=False)
"""


@pytest.fixture
def project(tmp_path: Path, moto_reset: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project dir with two stacks, pointed at the moto server, with the artifact bucket created."""
    (tmp_path / "pyproject.toml").write_text('[tool.cfngen]\nstacks-dir = "stacks"\n')
    code = tmp_path / "stacks/functions/hello"
    code.mkdir(parents=True)
    (code / "app.py").write_text("def handler(event, context):\n    return event\n")
    (tmp_path / "stacks/a_hello.py").write_text(textwrap.dedent(HELLO))
    (tmp_path / "stacks/b_orders.py").write_text(textwrap.dedent(ORDERS))
    as_a_user(monkeypatch, tmp_path, moto_reset.endpoint_url)
    moto_reset.client("s3").create_bucket(Bucket=BUCKET)
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def deploy(*args: str) -> Result:
    return run("deploy", "--artifact-bucket", BUCKET, *args)


def deploy_json(*args: str) -> list[dict[str, Any]]:
    result = deploy("--json", *args)
    assert result.exit_code == 0, result.output
    doc: list[dict[str, Any]] = json.loads(result.stdout)
    return doc


def stack_status(moto: Any, name: str) -> str | None:
    try:
        return str(moto.client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]["StackStatus"])
    except moto.client("cloudformation").exceptions.ClientError as exc:
        assert "does not exist" in str(exc)
        return None


def function_code_key(moto: Any, stack: str, function: str) -> str:
    cfn = moto.client("cloudformation")
    params = {
        p["ParameterKey"]: p["ParameterValue"] for p in cfn.describe_stacks(StackName=stack)["Stacks"][0]["Parameters"]
    }
    return params[f"{function}CodeKey"]


def test_create_then_noop_then_code_change(project: Path, moto_reset: Any) -> None:
    first = deploy_json("it-hello")
    assert [r["result"] for r in first] == ["created"]
    assert stack_status(moto_reset, "it-hello") == "CREATE_COMPLETE"
    key = function_code_key(moto_reset, "it-hello", "Hello")
    assert key.startswith("cfngen/it-hello/") and key.endswith(".zip")
    assert moto_reset.client("s3").head_object(Bucket=BUCKET, Key=key)["ContentLength"] > 0

    again = deploy_json("it-hello")
    assert [r["result"] for r in again] == ["up-to-date"]  # the fast path: no change set at all
    assert function_code_key(moto_reset, "it-hello", "Hello") == key

    (project / "stacks/functions/hello/app.py").write_text("def handler(event, context):\n    return {'v': 2}\n")
    changed = deploy_json("it-hello")
    assert [r["result"] for r in changed] == ["updated"]
    new_key = function_code_key(moto_reset, "it-hello", "Hello")
    assert new_key != key
    fn = moto_reset.client("lambda").get_function(FunctionName=_physical(moto_reset, "it-hello", "HelloFunction"))
    assert fn["Code"]["Location"].endswith(new_key) or new_key.rsplit("/", 1)[-1] in json.dumps(fn, default=str)


def _physical(moto: Any, stack: str, logical: str) -> str:
    res = moto.client("cloudformation").describe_stack_resource(StackName=stack, LogicalResourceId=logical)
    return str(res["StackResourceDetail"]["PhysicalResourceId"])


def test_several_stacks_in_order_and_outputs_file(project: Path, moto_reset: Any) -> None:
    result = deploy("--outputs-file", "out.json")
    assert result.exit_code == 0, result.output
    assert result.output.index("it-hello: created") < result.output.index("it-orders: created")
    outputs = json.loads((project / "out.json").read_text())
    assert set(outputs) == {"it-hello", "it-orders"}
    assert all(outputs.values())  # moto: resources stand in for outputs of change-set-created stacks


def test_no_update_if_exists_refuses(project: Path, moto_reset: Any) -> None:
    assert deploy("it-hello").exit_code == 0
    (project / "stacks/functions/hello/app.py").write_text("def handler(event, context):\n    return 3\n")
    refused = deploy("--no-update-if-exists", "it-hello")
    assert refused.exit_code == 2
    assert "already exists" in refused.output
    assert stack_status(moto_reset, "it-hello") == "CREATE_COMPLETE"


def test_dry_run_leaves_no_stack(project: Path, moto_reset: Any) -> None:
    result = deploy("--dry-run", "it-orders")
    assert result.exit_code == 0, result.output
    assert "+ OrdersStream (AWS::Kinesis::Stream)" in result.output
    assert stack_status(moto_reset, "it-orders") is None  # the REVIEW_IN_PROGRESS stack was deleted too


def test_review_in_progress_stack_is_recreated(project: Path, moto_reset: Any) -> None:
    """A CREATE change set waiting to be executed is another deploy in progress (concurrent, or at its
    --confirm prompt): refused, never deleted. Once it is gone, the REVIEW_IN_PROGRESS stack holds nothing,
    so deploy recreates it."""
    cfn = moto_reset.client("cloudformation")
    body = json.dumps({"Resources": {"T": {"Type": "AWS::SNS::Topic"}}})
    cfn.create_change_set(StackName="it-hello", ChangeSetName="abandoned", ChangeSetType="CREATE", TemplateBody=body)
    assert stack_status(moto_reset, "it-hello") == "REVIEW_IN_PROGRESS"
    result = deploy("--timeout", "1", "it-hello")
    assert result.exit_code == 1, result.output
    assert "being created by another deploy (change set abandoned" in result.output
    assert "will not delete it" in result.output and "delete-stack --stack-name it-hello" in result.output
    assert stack_status(moto_reset, "it-hello") == "REVIEW_IN_PROGRESS"
    cfn.delete_change_set(ChangeSetName="abandoned", StackName="it-hello")
    result = deploy("it-hello")
    assert result.exit_code == 0, result.output
    assert "deleting it before creating it again" in result.output
    assert stack_status(moto_reset, "it-hello") == "CREATE_COMPLETE"


def test_template_over_51200_bytes_goes_by_url(project: Path, moto_reset: Any) -> None:
    functions = "\n".join(
        f'stack.function("F{i}", code="functions/hello", handler="app.handler", runtime="python3.12", '
        f'environment={{"PAD": "{"x" * 1500}"}})'
        for i in range(20)
    )
    (project / "stacks/c_big.py").write_text(f'from cfngen import Stack\n\nstack = Stack("it-big")\n{functions}\n')
    text = run("render", "it-big")
    assert text.exit_code == 0, text.output
    assert (project / "templates/it-big.json").stat().st_size > 51_200
    result = deploy("it-big")
    assert result.exit_code == 0, result.output
    assert stack_status(moto_reset, "it-big") == "CREATE_COMPLETE"
    keys = [o["Key"] for o in moto_reset.client("s3").list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert any("/templates/" in k for k in keys)


def test_bootstrap_bucket_when_no_artifact_bucket(project: Path, moto_reset: Any) -> None:
    result = run("deploy", "it-hello")
    assert result.exit_code == 0, result.output
    assert stack_status(moto_reset, "cfngen-bootstrap") == "CREATE_COMPLETE"
    buckets = [b["Name"] for b in moto_reset.client("s3").list_buckets()["Buckets"]]
    assert "cfngen-artifacts-123456789012-us-east-1" in buckets
    assert run("deploy", "it-hello").exit_code == 0  # found again, not recreated


def test_lint_error_stops_before_anything_deploys(project: Path, moto_reset: Any) -> None:
    (project / "stacks/a_hello.py").write_text(
        textwrap.dedent(HELLO)
        + "from troposphere import Ref\nfrom troposphere.sns import Topic\n"
        + "stack.template().add_resource(Topic('Bad', TopicName=Ref('Nope')))\n"
    )
    result = deploy("it-hello")
    assert result.exit_code == 1
    assert "lint failed" in result.output
    assert stack_status(moto_reset, "it-hello") is None


def test_enable_disable_round_trip_and_deploy_keeps_state(project: Path, moto_reset: Any) -> None:
    assert deploy("it-orders").exit_code == 0
    lam = moto_reset.client("lambda")
    uuid = _physical(moto_reset, "it-orders", "ProcessorOrdersMapping")
    assert lam.get_event_source_mapping(UUID=uuid)["State"] == "Disabled"  # created disabled (spec)

    enabled = run("enable", "it-orders")
    assert enabled.exit_code == 0, enabled.output
    assert "mapping ProcessorOrders Enabled" in enabled.output
    assert lam.get_event_source_mapping(UUID=uuid)["State"] == "Enabled"

    redeploy = deploy("it-orders")  # spec still says enabled=False: the deployed value must win
    assert redeploy.exit_code == 0, redeploy.output
    assert "keeping deployed Enabled=true" in redeploy.output
    assert lam.get_event_source_mapping(UUID=uuid)["State"] == "Enabled"

    disabled = run("disable", "it-orders", "ProcessorOrders")
    assert disabled.exit_code == 0, disabled.output
    assert lam.get_event_source_mapping(UUID=uuid)["State"] == "Disabled"

    unknown = run("disable", "it-orders", "Nope")
    assert unknown.exit_code == 2
    assert "ProcessorOrders" in unknown.output


def test_invoke_and_smoke_test(project: Path, moto_reset: Any) -> None:
    """moto echoes the payload when its Lambda docker mode is off (the fixture turns it off)."""
    assert deploy("it-hello").exit_code == 0
    ok = run("invoke", "it-hello", "--payload", '{"n": 1}', "--expect", '{"n": 1}')
    assert ok.exit_code == 0, ok.output
    assert '"n": 1' in ok.output
    mismatch = run("invoke", "it-hello", "Hello", "--payload", '{"n": 1}', "--expect", '{"n": 2}')
    assert mismatch.exit_code == 1
    assert "does not contain" in mismatch.output

    (project / "smoke.yaml").write_text("Hello:\n  payload: {x: 1}\n  expect: {x: 2}\n")
    smoke = deploy("it-hello", "--smoke-test", "smoke.yaml")
    assert smoke.exit_code == 1
    assert "does not contain" in smoke.output


def test_status_and_outputs_json(project: Path, moto_reset: Any) -> None:
    assert deploy("it-orders").exit_code == 0
    status = run("status", "it-orders", "it-hello", "--json")
    assert status.exit_code == 0, status.output
    reports = {r["stack"]: r for r in json.loads(status.stdout)}
    assert reports["it-hello"]["status"] == "NOT_DEPLOYED"
    assert reports["it-orders"]["status"] == "CREATE_COMPLETE"
    assert [m["state"] for m in reports["it-orders"]["mappings"]] == ["Disabled"]
    assert reports["it-orders"]["functions"][0]["runtime"] == "python3.12"
    outputs = run("outputs", "it-orders", "--json")
    assert outputs.exit_code == 0
    assert json.loads(outputs.stdout)


def test_delete(project: Path, moto_reset: Any) -> None:
    assert deploy("it-hello").exit_code == 0
    result = run("delete", "it-hello", "--yes")
    assert result.exit_code == 0, result.output
    assert stack_status(moto_reset, "it-hello") in (None, "DELETE_COMPLETE")
    again = run("delete", "it-hello", "--yes")  # as DeleteStack: a stack that is gone is no error
    assert again.exit_code == 0, again.output
    assert "it-hello: not deployed, nothing to delete" in again.output


def test_deploy_local_needs_no_server_or_account(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--local` starts the project's emulator in the background: no endpoint, no credentials, no account."""
    from cfngen.project_emulator import pid_running, read_state, stop

    for key in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(key, raising=False)
    try:
        result = run("deploy", "--local", "--json", "it-hello", "it-orders")
        assert result.exit_code == 0, result.output
        assert [r["result"] for r in json.loads(result.stdout)] == ["created", "created"]
    finally:
        state = read_state(project / ".cfngen")
        stop(project / ".cfngen")
    assert state is not None and not pid_running(state.pid)


def test_deploy_after_disable_keeps_the_mapping_disabled(project: Path, moto_reset: Any) -> None:
    """Maintenance: a mapping enabled by the spec is disabled by hand; the next deploy must not re-enable it."""
    (project / "stacks/c_clicks.py").write_text(
        textwrap.dedent(
            """
            from cfngen import Stack

            stack = Stack("it-clicks")
            fn = stack.function("Counter", code="functions/hello", handler="app.handler", runtime="python3.12")
            fn.add_event_source(stack.kinesis_stream("Clicks"), starting_position="TRIM_HORIZON")
            """
        )
    )
    assert deploy("it-clicks").exit_code == 0
    uuid = _physical(moto_reset, "it-clicks", "CounterClicksMapping")
    lam = moto_reset.client("lambda")
    assert lam.get_event_source_mapping(UUID=uuid)["State"] == "Enabled"
    assert run("disable", "it-clicks").exit_code == 0
    assert lam.get_event_source_mapping(UUID=uuid)["State"] == "Disabled"

    (project / "stacks/functions/hello/app.py").write_text("def handler(event, context):\n    return 'v2'\n")
    redeploy = deploy("it-clicks")  # a real update (new code), not the no-op path
    assert redeploy.exit_code == 0, redeploy.output
    assert "updated" in redeploy.output
    assert "keeping deployed Enabled=false (spec default true)" in redeploy.output
    assert lam.get_event_source_mapping(UUID=uuid)["State"] == "Disabled"

    forced = deploy("it-clicks", "--parameter", "CounterClicksEnabled=true")
    assert forced.exit_code == 0, forced.output
    assert lam.get_event_source_mapping(UUID=uuid)["State"] == "Enabled"


def test_diff_shows_change_set_rows_and_template_diff_and_changes_nothing(project: Path, moto_reset: Any) -> None:
    assert deploy("it-hello").exit_code == 0
    same = run("diff", "--artifact-bucket", BUCKET, "it-hello")
    assert same.exit_code == 0, same.output
    assert "it-hello: no differences" in same.output

    (project / "stacks/a_hello.py").write_text(
        textwrap.dedent(HELLO).replace('runtime="python3.12")', 'runtime="python3.12", environment={"MODE": "x"})')
    )
    changed = run("diff", "--artifact-bucket", BUCKET, "it-hello")
    assert changed.exit_code == 0, changed.output
    assert "~ HelloFunction (AWS::Lambda::Function)" in changed.output
    assert "--- it-hello (deployed)" in changed.output
    assert any(line.startswith("+") and '"MODE": "x"' in line for line in changed.output.splitlines())
    cfn = moto_reset.client("cloudformation")
    assert "MODE" not in json.dumps(cfn.get_template(StackName="it-hello")["TemplateBody"])  # nothing deployed


def test_tags_and_parameters(project: Path, moto_reset: Any) -> None:
    first = deploy_json("it-hello", "--tag", "team=orders")
    assert [r["result"] for r in first] == ["created"]
    described = moto_reset.client("cloudformation").describe_stacks(StackName="it-hello")["Stacks"][0]
    assert {t["Key"]: t["Value"] for t in described["Tags"]} == {"team": "orders"}

    # A tag change is a change: cfngen must not take the "up to date" shortcut but ask CloudFormation. AWS
    # updates the stack's tags through the change set; moto 5 answers "No updates are to be performed."
    retagged = deploy_json("it-hello", "--tag", "team=billing")
    assert [r["result"] for r in retagged] in (["updated"], ["no-changes"])

    unknown = deploy("it-hello", "--parameter", "NoSuchParameter=1")
    assert unknown.exit_code == 2
    assert "no selected stack has that parameter" in unknown.output
    assert "HelloCodeKey" in unknown.output  # the parameters it does have
    malformed = deploy("it-hello", "--tag", "novalue")
    assert malformed.exit_code == 2
    assert "KEY=VALUE" in malformed.output


def test_termination_protection_failure_is_reported(project: Path, moto_reset: Any) -> None:
    """moto 5 does not implement UpdateTerminationProtection (HTTP 500): the deploy itself succeeds, and the
    failure to protect is reported with the command to finish the job (the AWS path is stubbed in the unit
    tests)."""
    result = deploy("it-hello", "--termination-protection")
    assert result.exit_code == 1
    assert "deployed, but termination protection could not be turned on" in result.output
    assert "update-termination-protection --enable-termination-protection" in result.output
    assert stack_status(moto_reset, "it-hello") == "CREATE_COMPLETE"


def test_bootstrap_bucket_that_outlived_its_stack_is_reused(project: Path, moto_reset: Any) -> None:
    """The bucket is retained when the bootstrap stack is deleted; a new bootstrap stack would fail on its name."""
    moto_reset.client("s3").create_bucket(Bucket="cfngen-artifacts-123456789012-us-east-1")
    result = run("deploy", "it-hello")
    assert result.exit_code == 0, result.output
    assert "outlived its cfngen-bootstrap stack" in result.output
    assert stack_status(moto_reset, "cfngen-bootstrap") is None
    key = function_code_key(moto_reset, "it-hello", "Hello")
    moto_reset.client("s3").head_object(Bucket="cfngen-artifacts-123456789012-us-east-1", Key=key)
