"""One consistent CLI (issue 13): every command takes the common options before or after the verb, exits
with the same code for the same situation, honours NO_COLOR / TERM=dumb / --no-color, shows its summary in
full in `cfngen --help` and each option's environment variable and default; shell completion names stacks
and functions from stacks/ without importing them; YAML and JSON templates never both linger.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cfngen.cli import cli
from cfngen.deploy.report import env_key
from cfngen.deploy.status import hex_sha256

COMMANDS = sorted(cli.commands)
STACK = """
from cfngen import Stack

stack = Stack("cc-hello")
stack.function("Hello", code="functions/hello", handler="app.handler", runtime="python3.12")
stack.function("World", code="functions/hello", handler="app.handler", runtime="python3.12")
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.cfngen]\n")
    (tmp_path / "stacks/functions/hello").mkdir(parents=True)
    (tmp_path / "stacks/functions/hello/app.py").write_text("def handler(event, context):\n    return event\n")
    (tmp_path / "stacks/hello.py").write_text(textwrap.dedent(STACK))
    monkeypatch.chdir(tmp_path)
    for name in ("NO_COLOR", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm")
    return tmp_path


def test_every_command_is_covered() -> None:
    assert set(COMMANDS) >= {"init", "logs", "outputs", "status", "delete", "invoke", "deploy", "render", "check"}


@pytest.mark.parametrize("command", COMMANDS)
def test_bad_usage_exits_2(command: str, project: Path) -> None:
    result = CliRunner().invoke(cli, [command, "--no-such-option"])
    assert result.exit_code == 2, result.output
    assert "No such option" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_common_options_are_taken_before_and_after_the_verb(command: str, project: Path) -> None:
    after = CliRunner().invoke(cli, [command, "--stacks-dir", "s", "--templates-dir", "t", "--no-color", "--help"])
    before = CliRunner().invoke(cli, ["--stacks-dir", "s", "--templates-dir", "t", "--no-color", command, "--help"])
    assert after.exit_code == 0 and before.exit_code == 0, (after.output, before.output)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_has_help_naming_its_env_var(command: str) -> None:
    ctx = click.Context(cli.commands[command], info_name=command, parent=click.Context(cli, info_name="cfngen"))
    for param in cli.commands[command].params:
        if not isinstance(param, click.Option) or param.hidden:
            continue
        record = param.get_help_record(ctx)
        assert record is not None and record[1].strip(), (command, param.name)
        for var in [param.envvar] if isinstance(param.envvar, str) else param.envvar or []:
            assert f"env var: {var}" in " ".join(record[1].split()) or var in record[1], (command, param.name)


def test_help_lists_every_summary_in_full() -> None:
    output = CliRunner().invoke(cli, ["--help"], terminal_width=100).output
    text = " ".join(output.partition("Commands:")[2].split())
    assert text and "..." not in text
    for name, command in cli.commands.items():
        first = " ".join((command.help or "").split("\n\n")[0].split())
        assert f"{name} {first}" in text, name


def test_help_shows_defaults_and_env_vars() -> None:
    text = " ".join(CliRunner().invoke(cli, ["deploy", "--help"], terminal_width=200).output.split())
    assert "[env var: CFNGEN_STACKS_DIR; default: stacks]" in text
    assert "[env var: AWS_PROFILE]" in text


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--no-color", "lint"], {}),
        (["lint", "--no-color"], {}),
        (["lint"], {"NO_COLOR": "1"}),
        (["lint"], {"TERM": "dumb"}),
    ],
    ids=["flag-before", "flag-after", "NO_COLOR", "TERM=dumb"],
)
def test_no_colour(args: list[str], env: dict[str, str], project: Path) -> None:
    coloured = CliRunner().invoke(cli, ["lint"], color=True)
    assert "\x1b[" in coloured.output  # the control: colour is on otherwise
    plain = CliRunner().invoke(cli, args, color=True, env=env)
    assert plain.exit_code == 0, plain.output
    assert "\x1b[" not in plain.output and "ok cc-hello" in plain.output


def test_render_yaml_removes_the_json_and_the_reverse(project: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["render"]).exit_code == 0
    result = runner.invoke(cli, ["render", "--format", "yaml"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (project / "templates").iterdir()) == ["cc-hello.yaml"]
    assert "removed   templates/cc-hello.json (the stack is rendered as yaml now)" in result.output
    assert runner.invoke(cli, ["check"]).exit_code == 0  # the format in use: the file present
    (project / "pyproject.toml").write_text('[tool.cfngen]\nformat = "json"\n')
    assert runner.invoke(cli, ["check"]).exit_code == 1  # ... or the config's
    assert runner.invoke(cli, ["render"]).exit_code == 0
    assert sorted(p.name for p in (project / "templates").iterdir()) == ["cc-hello.json"]


def test_env_keys_keep_word_boundaries() -> None:
    assert env_key("shop", "AuditFunctionArn") == "SHOP_AUDIT_FUNCTION_ARN"
    assert env_key("cfngen-demo-orders", "StreamName") == "CFNGEN_DEMO_ORDERS_STREAM_NAME"
    assert env_key("s", "KMSKeyId") == "S_KMS_KEY_ID"
    assert env_key("s", "resource:Bucket2Name") == "S_RESOURCE_BUCKET2_NAME"


def test_status_shows_lambdas_code_sha256_as_hex() -> None:
    import base64
    import hashlib

    digest = hashlib.sha256(b"zip bytes")
    assert hex_sha256(base64.b64encode(digest.digest()).decode()) == digest.hexdigest()
    assert hex_sha256(None) is None


def _complete(project: Path, words: str) -> list[str]:
    env = {
        **os.environ,
        "_CFNGEN_COMPLETE": "bash_complete",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split(" ")) - 1),
    }
    script = "import sys; from cfngen.cli import cli; cli.main(prog_name='cfngen'); "
    check = "import sys; assert 'boto3' not in sys.modules and 'troposphere' not in sys.modules"
    out = subprocess.run(
        [sys.executable, "-c", f"import atexit; atexit.register(lambda: exec({check!r}))\n{script}"],
        cwd=project, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert "Traceback" not in out.stderr, out.stderr
    return [line.split(",", 1)[1] for line in out.stdout.splitlines()]


def test_shell_completion_names_stacks_and_functions(project: Path) -> None:
    assert _complete(project, "cfngen invoke ") == ["cc-hello"]
    assert _complete(project, "cfngen invoke cc-hello W") == ["World"]
    assert _complete(project, "cfngen deploy c") == ["cc-hello"]
    assert _complete(project, "cfngen logs cc-hello ") == ["Hello", "World"]


def test_progress_in_ci_logs_is_one_plain_line(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cfngen.cli import progress

    monkeypatch.setattr(progress, "PLAIN_AFTER", 0.0)  # every step counts as long
    result = CliRunner().invoke(cli, ["lint", "--no-cache"])
    assert result.exit_code == 0, result.output
    assert [line for line in result.stderr.splitlines() if line.startswith("linting 1 template(s): ")]
    assert "\r" not in result.output  # no redraws outside a terminal


def test_progress_on_a_terminal_is_a_spinner_with_elapsed_time(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from cfngen.cli import progress

    monkeypatch.setattr(progress, "_interactive", lambda: True)
    monkeypatch.setattr(progress, "SHOW_AFTER", 0.0)

    def slow(self: object, texts: list[str]) -> list[list[object]]:
        time.sleep(0.35)
        return [[] for _ in texts]

    monkeypatch.setattr("cfngen.lint.Linter.lint_many", slow)
    result = CliRunner().invoke(cli, ["lint"])
    assert result.exit_code == 0, result.output
    assert "\r| linting 1 template(s) 0." in result.stderr and "linting 1 template(s): 0." in result.stderr
