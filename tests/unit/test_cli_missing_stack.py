"""Every command that works on a deployed stack fails the same way when the account holds no such stack.

The call itself was right (a stack name is not a bad flag), the account just does not hold it: exit 1, as
for every AWS failure, one message, no traceback. Run against the embedded emulator (--local), which
answers DescribeStacks for a missing stack as AWS does.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cfngen.cli import cli

COMMANDS = {
    "outputs": ["outputs", "absent"],
    "invoke": ["invoke", "absent"],
    "enable": ["enable", "absent"],
    "disable": ["disable", "absent"],
    "delete": ["delete", "absent", "--yes"],
}


@pytest.mark.parametrize("args", COMMANDS.values(), ids=list(COMMANDS))
def test_missing_stack_exits_1(args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no pyproject.toml: no [tool.cfngen] from the project
    result = CliRunner().invoke(cli, [*args, "--local"])
    assert result.exit_code == 1, result.output
    assert "error: stack absent does not exist" in result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
