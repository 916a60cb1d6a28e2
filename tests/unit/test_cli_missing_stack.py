"""Every command that works on a deployed stack fails the same way when the account holds no such stack.

The call itself was right (a stack name is not a bad flag), the account just does not hold it: exit 1, as
for every AWS failure, one message, no traceback. Run against the project's emulator (--local), which
answers DescribeStacks for a missing stack as AWS does: one background emulator for the module's project,
stopped when the module ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from cfngen.cli import cli
from cfngen.project_emulator import pid_running, read_state, stop

COMMANDS = {
    "outputs": ["outputs", "absent"],
    "invoke": ["invoke", "absent"],
    "enable": ["enable", "absent"],
    "disable": ["disable", "absent"],
    "logs": ["logs", "absent"],
}


@pytest.fixture(scope="module")
def empty_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """No pyproject.toml (no [tool.cfngen]): the working directory is the project."""
    root = tmp_path_factory.mktemp("empty-project")
    try:
        yield root
    finally:
        state = read_state(root / ".cfngen")
        stop(root / ".cfngen")
        assert state is None or not pid_running(state.pid)


@pytest.mark.parametrize("args", COMMANDS.values(), ids=list(COMMANDS))
def test_missing_stack_exits_1(args: list[str], empty_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(empty_project)
    result = CliRunner().invoke(cli, [*args, "--local"])
    assert result.exit_code == 1, result.output
    assert "error: stack absent does not exist" in result.output
    assert "Traceback" not in result.output and "internal error" not in result.output


def test_status_reports_a_missing_stack_and_exits_0(empty_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """status is a report, not an operation on the stack: "not deployed" is an answer (README: Exit codes)."""
    monkeypatch.chdir(empty_project)
    result = CliRunner().invoke(cli, ["status", "absent", "--local"])
    assert result.exit_code == 0, result.output
    assert "absent: not deployed" in result.stdout


def test_delete_of_a_missing_stack_succeeds_with_a_note(empty_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """delete is idempotent, as CloudFormation's DeleteStack: a teardown script may run twice (README: Exit codes)."""
    monkeypatch.chdir(empty_project)
    result = CliRunner().invoke(cli, ["delete", "absent", "--yes", "--local"])
    assert result.exit_code == 0, result.output
    assert "absent: not deployed, nothing to delete" in result.stdout
