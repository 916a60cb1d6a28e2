"""The daily commands a user runs around deploy (issue 13), through the CLI in a temp project outside the
repo, relative paths, against the moto server over HTTP: outputs, the target line, one code hash, logs,
delete of several stacks, options before the verb.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from moto_fixtures import as_a_user

from cfngen.cli import cli

BUCKET = "cfngen-daily-artifacts"
STACK = """
from cfngen import Stack

stack = Stack("{name}")
stack.function("AuditTrail", code="functions/hello", handler="app.handler", runtime="python3.12")
"""


@pytest.fixture
def project(tmp_path: Path, moto_reset: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.cfngen]\n")
    code = tmp_path / "stacks/functions/hello"
    code.mkdir(parents=True)
    (code / "app.py").write_text("def handler(event, context):\n    return event\n")
    for name in ("dy-shop", "dy-audit"):
        (tmp_path / f"stacks/{name.replace('-', '_')}.py").write_text(textwrap.dedent(STACK).format(name=name))
    as_a_user(monkeypatch, tmp_path, moto_reset.endpoint_url)
    moto_reset.client("s3").create_bucket(Bucket=BUCKET)
    return tmp_path


def run(*args: str, **kwargs: Any) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, **kwargs)


def deploy(*args: str) -> Result:
    result = run("deploy", "--artifact-bucket", BUCKET, *args)
    assert result.exit_code == 0, result.output
    return result


def stack_names(moto: Any) -> list[str]:
    return sorted(s["StackName"] for s in moto.client("cloudformation").describe_stacks()["Stacks"])


def test_outputs_of_several_stacks_in_each_format(project: Path) -> None:
    deploy()
    env = run("outputs", "dy-shop", "dy-audit", "--format", "env")
    assert env.exit_code == 0, env.output
    # word boundaries kept: AuditTrailFunction -> AUDIT_TRAIL_FUNCTION (moto's outputs are the resources' ids)
    assert re.search(r"^DY_SHOP_RESOURCE_AUDIT_TRAIL_FUNCTION=\S+$", env.stdout, re.M), env.stdout
    assert re.search(r"^DY_AUDIT_RESOURCE_AUDIT_TRAIL_FUNCTION=\S+$", env.stdout, re.M), env.stdout
    text = run("outputs", "dy-shop")
    assert re.search(r"^dy-shop\.resource:AuditTrailFunction = \S+$", text.stdout, re.M), text.stdout
    as_json = run("outputs", "dy-shop", "dy-audit", "--format", "json")
    assert '"dy-audit": {' in as_json.stdout and '"dy-shop": {' in as_json.stdout
    missing = run("outputs", "dy-shop", "absent")
    assert missing.exit_code == 1 and "stack absent does not exist" in missing.output


def test_deploy_outputs_format_without_a_file_prints_to_stdout(project: Path) -> None:
    result = deploy("dy-shop", "--outputs-format", "env")
    assert re.search(r"^DY_SHOP_RESOURCE_AUDIT_TRAIL_FUNCTION=\S+$", result.stdout, re.M), result.stdout
    refused = run("deploy", "--artifact-bucket", BUCKET, "--json", "--outputs-format", "env")
    assert refused.exit_code == 2 and "give --outputs-file" in refused.output


def test_every_aws_command_names_its_target_first(project: Path, moto_reset: Any) -> None:
    deploy()
    expected = f"target: account 123456789012, region us-east-1, endpoint {moto_reset.endpoint_url}"
    for args in (("status",), ("outputs", "dy-shop"), ("invoke", "dy-shop"), ("logs", "dy-shop")):
        result = run(*args)
        assert result.exit_code == 0, (args, result.output)
        assert result.stderr.splitlines()[0] == expected, (args, result.stderr)


def test_the_target_line_costs_no_second_get_caller_identity(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bootstrap bucket's name needs the account too: the target line's answer is reused, not asked again.
    Counted on the wire (botocore's Endpoint), where a call answered from the hook never arrives."""
    import botocore.endpoint

    sent: list[bytes] = []
    real = botocore.endpoint.Endpoint._send

    def send(self: botocore.endpoint.Endpoint, request: Any) -> Any:
        body = request.body
        sent.append(body if isinstance(body, bytes) else str(body or "").encode())
        return real(self, request)

    monkeypatch.setattr(botocore.endpoint.Endpoint, "_send", send)
    result = run("deploy", "dy-shop")  # no --artifact-bucket: the bootstrap bucket, named by the account
    assert result.exit_code == 0, result.output
    assert "target: account 123456789012" in result.stderr
    assert sum(b"Action=GetCallerIdentity" in body for body in sent) == 1, len(sent)


def test_a_later_run_remembers_the_account_instead_of_asking_sts(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An access key's account never changes: once the project has its .cfngen/, the target line's account is
    remembered (per endpoint and hashed key) and a later run sends no GetCallerIdentity. A damaged cache
    entry is asked again."""
    import botocore.endpoint

    sent: list[bytes] = []
    real = botocore.endpoint.Endpoint._send

    def send(self: botocore.endpoint.Endpoint, request: Any) -> Any:
        body = request.body
        sent.append(body if isinstance(body, bytes) else str(body or "").encode())
        return real(self, request)

    monkeypatch.setattr(botocore.endpoint.Endpoint, "_send", send)

    def asked() -> int:
        return sum(b"Action=GetCallerIdentity" in body for body in sent)

    assert deploy("dy-shop").exit_code == 0  # creates the project's .cfngen/
    assert run("status", "dy-shop").exit_code == 0
    before = asked()
    again = run("status", "dy-shop")
    assert again.exit_code == 0 and again.stderr.startswith("target: account 123456789012, region us-east-1")
    assert asked() == before  # remembered
    cache = project / ".cfngen/cache/identity.json"
    assert "123456789012" in cache.read_text() and "testing" not in cache.read_text()  # the key is hashed
    cache.write_text("{not json")
    damaged = run("status", "dy-shop")
    assert damaged.exit_code == 0 and "target: account 123456789012" in damaged.stderr
    assert asked() == before + 1


def test_one_code_hash_in_package_deploy_diff_and_status(project: Path) -> None:
    packaged = run("package", "dy-shop")
    [shown] = re.findall(r"code ([0-9a-f]{12}) ", packaged.stdout)
    deployed = deploy("dy-shop")
    assert f"AuditTrail code {shown} " in deployed.output
    status = run("status", "dy-shop")
    assert f"code {shown} " in status.stdout, status.stdout
    (project / "stacks/functions/hello/app.py").write_text("def handler(event, context):\n    return 2\n")
    [new] = re.findall(r"code ([0-9a-f]{12}) ", run("package", "dy-shop").stdout)
    diff = run("diff", "dy-shop", "--artifact-bucket", BUCKET)
    assert f"AuditTrailCodeKey: {shown} -> {new}" in diff.stdout, diff.stdout


def test_logs_prints_the_function_log_group(project: Path, moto_reset: Any) -> None:
    deploy("dy-shop")
    logs = moto_reset.client("logs")
    group = "/aws/lambda/dy-shop/AuditTrail"
    logs.create_log_stream(logGroupName=group, logStreamName="s1")
    now = int(time.time() * 1000)
    logs.put_log_events(
        logGroupName=group,
        logStreamName="s1",
        logEvents=[{"timestamp": now - 1000, "message": "first line"}, {"timestamp": now, "message": "second line"}],
    )
    result = run("logs", "dy-shop", "AuditTrail", "--since", "5m")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split(" ", 1)[1] for line in lines] == ["first line", "second line"], lines
    old = run("logs", "dy-shop", "--since", "0s")
    assert old.stdout == "" and f"no log events since 0s ago in {group}" in old.stderr
    unknown = run("logs", "dy-shop", "AuditTral")
    assert unknown.exit_code == 2 and "did you mean 'AuditTrail'?" in unknown.output
    bad = run("logs", "dy-shop", "--since", "ten minutes")
    assert bad.exit_code == 2 and "is not a duration" in bad.output
    absent = run("logs", "absent")
    assert absent.exit_code == 1 and "stack absent does not exist" in absent.output


def test_logs_follow_prints_new_events_until_ctrl_c(project: Path, moto_reset: Any) -> None:
    deploy("dy-shop")
    logs = moto_reset.client("logs")
    group = "/aws/lambda/dy-shop/AuditTrail"
    logs.create_log_stream(logGroupName=group, logStreamName="s1")
    cfngen = str(Path(sys.executable).parent / "cfngen")
    proc = subprocess.Popen(
        [cfngen, "logs", "dy-shop", "--follow"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=os.environ.copy(), cwd=project,
    )  # fmt: skip
    try:
        time.sleep(1.5)  # polling, nothing yet
        logs.put_log_events(
            logGroupName=group,
            logStreamName="s1",
            logEvents=[{"timestamp": int(time.time() * 1000), "message": "arrived later"}],
        )
        assert proc.stdout is not None
        line = proc.stdout.readline()  # blocks until the poll finds it
        assert line.rstrip().endswith("arrived later"), line
    finally:
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err


def test_delete_several_stacks_in_reverse_order_after_one_question(project: Path, moto_reset: Any) -> None:
    deploy()
    declined = run("delete", "dy-shop", "dy-audit", input="n\n")
    assert declined.exit_code == 1 and stack_names(moto_reset) == ["dy-audit", "dy-shop"]
    result = run("delete", "dy-shop", "dy-audit", "--concurrency", "1", input="y\n")  # independent: one at a time
    assert result.exit_code == 0, result.output
    assert result.output.count("?") == 1 and "delete stacks dy-audit, dy-shop and every resource" in result.output
    assert result.stdout.index("dy-audit: deleted") < result.stdout.index("dy-shop: deleted")
    assert "cfngen-" not in " ".join(stack_names(moto_reset)).replace("cfngen-bootstrap", "")
    assert [s for s in stack_names(moto_reset) if s.startswith("dy-")] == []


def test_options_before_the_verb_apply_to_it(project: Path) -> None:
    (project / "stacks").rename(project / "defs")
    before = run("--stacks-dir", "defs", "--templates-dir", "out", "render")
    assert before.exit_code == 0, before.output
    assert sorted(p.name for p in (project / "out").iterdir()) == ["dy-audit.json", "dy-shop.json"]
    status = run("--stacks-dir", "defs", "status")
    assert status.exit_code == 0 and "dy-shop: not deployed" in status.stdout
    after_wins = run("--stacks-dir", "nowhere", "status", "--stacks-dir", "defs")
    assert after_wins.exit_code == 0, after_wins.output
    env_loses = run("--stacks-dir", "defs", "check", "--templates-dir", "out", env={"CFNGEN_STACKS_DIR": "nowhere"})
    assert env_loses.exit_code == 0, env_loses.output
