"""What deploys is what was reviewed: `deploy` and `diff` against a committed templates/ directory.

A temp project outside the repo, relative paths, the real CLI, a moto server over HTTP.
"""

from __future__ import annotations

import os
import stat
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from moto_fixtures import as_a_user

from cfngen.cli import cli

BUCKET = "cfngen-reviewed-artifacts"
HELLO = """
from cfngen import Stack

stack = Stack("rv-hello")
stack.function("Hello", code="functions/hello", handler="app.handler", runtime="python3.12"{extra})
"""


def write_stack(project: Path, extra: str = "") -> None:
    (project / "stacks/hello.py").write_text(textwrap.dedent(HELLO).format(extra=extra))


@pytest.fixture
def project(tmp_path: Path, moto_reset: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.cfngen]\n")
    code = tmp_path / "stacks/functions/hello"
    code.mkdir(parents=True)
    (code / "app.py").write_text("def handler(event, context):\n    return event\n")
    write_stack(tmp_path)
    as_a_user(monkeypatch, tmp_path, moto_reset.endpoint_url)
    moto_reset.client("s3").create_bucket(Bucket=BUCKET)
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def deploy(*args: str) -> Result:
    return run("deploy", "--artifact-bucket", BUCKET, *args)


def stack_names(moto: Any) -> list[str]:
    return [s["StackName"] for s in moto.client("cloudformation").describe_stacks()["Stacks"]]


def deployed_environment(moto: Any) -> str:
    body = moto.client("cloudformation").get_template(StackName="rv-hello")["TemplateBody"]
    return str(body)


def test_a_spec_changed_without_render_is_refused_with_the_diff(project: Path, moto_reset: Any) -> None:
    assert run("render").exit_code == 0
    write_stack(project, ', environment={"MODE": "unreviewed"}')

    result = deploy()

    assert result.exit_code == 1, result.output
    assert "--- templates/rv-hello.json (committed)" in result.output
    assert any(line.startswith("+") and "unreviewed" in line for line in result.output.splitlines())
    assert "cfngen render" in result.output and "nothing deployed" in result.output
    assert stack_names(moto_reset) == []  # not even a bootstrap stack or a change set shell


def test_a_hand_edited_committed_template_is_refused(project: Path, moto_reset: Any) -> None:
    assert run("render").exit_code == 0
    assert deploy().exit_code == 0
    path = project / "templates/rv-hello.json"
    path.write_text(path.read_text().replace('"MemorySize": 128', '"MemorySize": 256'))

    result = deploy()

    assert result.exit_code == 1, result.output
    assert "up to date" not in result.output  # it used to read "up to date" against the in-memory render
    assert any(line.startswith("-") and "256" in line for line in result.output.splitlines())


def test_diff_refuses_the_same_way_and_writes_nothing(project: Path, moto_reset: Any) -> None:
    assert run("render").exit_code == 0
    committed = (project / "templates/rv-hello.json").read_bytes()
    write_stack(project, ', environment={"MODE": "x"}')

    result = run("diff", "--artifact-bucket", BUCKET)

    assert result.exit_code == 1, result.output
    assert (project / "templates/rv-hello.json").read_bytes() == committed
    assert stack_names(moto_reset) == []


def test_render_flag_writes_the_templates_then_deploys_them(project: Path, moto_reset: Any) -> None:
    assert run("render").exit_code == 0
    write_stack(project, ', environment={"MODE": "dev-loop"}')

    result = deploy("--render")

    assert result.exit_code == 0, result.output
    assert "wrote templates/rv-hello.json" in result.output
    assert "dev-loop" in (project / "templates/rv-hello.json").read_text()
    assert "dev-loop" in deployed_environment(moto_reset)
    assert run("check").exit_code == 0


def test_a_yaml_template_is_the_one_compared(project: Path, moto_reset: Any) -> None:
    assert run("render", "--format", "yaml").exit_code == 0
    assert deploy().exit_code == 0
    write_stack(project, ', environment={"MODE": "y"}')

    refused = deploy()
    assert refused.exit_code == 1, refused.output
    assert "templates/rv-hello.yaml (committed)" in refused.output

    assert deploy("--render").exit_code == 0
    assert not (project / "templates/rv-hello.json").exists()  # --render keeps the format in use
    assert "MODE: y" in (project / "templates/rv-hello.yaml").read_text()


def test_a_stack_with_no_committed_template_deploys_from_memory(project: Path, moto_reset: Any) -> None:
    result = deploy()
    assert result.exit_code == 0, result.output
    assert stack_names(moto_reset) == ["rv-hello"]
    assert not (project / "templates").exists()  # deploy without --render writes no template


def test_with_json_the_refusal_diff_goes_to_stderr(project: Path, moto_reset: Any) -> None:
    assert run("render").exit_code == 0
    write_stack(project, ', environment={"MODE": "z"}')
    result = deploy("--json")
    assert result.exit_code == 1
    assert "(committed)" not in result.stdout and "(committed)" in result.stderr


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_rendered_templates_get_the_umask_mode(project: Path, umask: int, mode: int) -> None:
    old = os.umask(umask)
    try:
        assert run("render").exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((project / "templates/rv-hello.json").stat().st_mode) == mode
