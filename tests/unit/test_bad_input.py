"""Bad input that surfaced as "internal error" (issue 9): each is now one clear message and exit 2.

Each test drives the CLI in a temp project outside the repo with relative paths; none of these reach AWS
(they fail before a session is made), so no moto server is needed. The smoke-test file and the outputs
file, which do involve a deploy, are in tests/integration/test_faults.py.
"""

from __future__ import annotations

import json
import pathlib
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from cfngen.cli import cli
from cfngen.lint import Linter

STACK = """
from cfngen import Stack

stack = Stack("bad-hello")
stack.function("Hello", code="functions/hello", handler="app.handler", runtime="python3.12")
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.cfngen]\n")
    code = tmp_path / "stacks/functions/hello"
    code.mkdir(parents=True)
    (code / "app.py").write_text("def handler(event, context):\n    return event\n")
    (tmp_path / "stacks/hello.py").write_text(textwrap.dedent(STACK))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str, stdin: bytes | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, input=stdin)


def assert_clear(result: Result, *expected: str) -> None:
    assert result.exit_code == 2, result.output
    assert "internal error" not in result.output and "Traceback" not in result.output
    for text in expected:
        assert text in result.output, result.output


def test_symlink_loop_in_a_code_folder(project: Path) -> None:
    (project / "stacks/functions/hello/loop").symlink_to("loop")
    assert_clear(run("package"), "stacks/functions/hello/loop: symlink loop", "remove the link")


def test_unreadable_file_in_a_code_folder(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """chmod 000 does not stop root (CI containers run as root), so the open itself is made to fail."""
    secret = project / "stacks/functions/hello/secret.txt"
    secret.write_text("x")
    real_open = pathlib.Path.open

    def deny(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name == "secret.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "open", deny)
    assert_clear(run("package"), "secret.txt: cannot be read: Permission denied", "--exclude")


def test_unreadable_folder_in_a_code_folder(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "stacks/functions/hello/private").mkdir()
    import os

    real_scandir = os.scandir

    def deny(path: Any) -> Any:
        if str(path).endswith("private"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr("cfngen.package.os.scandir", deny)
    assert_clear(run("package"), "private: cannot be read: Permission denied")


def test_stacks_dir_that_is_not_a_string(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.cfngen]\nstacks-dir = 5\n")
    assert_clear(run("check"), "[tool.cfngen] stacks-dir = 5: not a path")


def test_yes_cannot_be_configured(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.cfngen]\nyes = true\n")
    assert_clear(run("delete", "bad-hello"), "[tool.cfngen] cannot set 'yes'", "pass --yes on the command line")


def test_stack_file_calling_sys_exit(project: Path) -> None:
    (project / "stacks/exits.py").write_text("import sys\nsys.exit(3)\n")
    assert_clear(run("check"), "stacks/exits.py: called sys.exit(3) while loading")


def test_local_port_out_of_range() -> None:
    assert_clear(run("local", "--port", "99999"), "--port", "99999 is not in the range 0<=x<=65535")


def test_payload_file_that_is_not_utf8(project: Path) -> None:
    (project / "payload.json").write_bytes(b'{"name": "\xff"}')
    assert_clear(run("invoke", "bad-hello", "--payload-file", "payload.json"), "payload.json: not UTF-8 text")


def test_payload_file_dash_reads_stdin(project: Path) -> None:
    """`-` is stdin: its bytes are checked like a file's (here: not JSON, before any AWS call)."""
    result = run("invoke", "bad-hello", "--payload-file", "-", stdin=b"not json")
    assert_clear(result, "--payload-file", "not JSON")


def test_corrupted_lint_cache_entry_is_linted_again(project: Path) -> None:
    """A truncated or hand-edited cache file is a miss, not a crash: `cfngen lint` lints again and rewrites it."""
    assert run("render").exit_code == 0
    assert run("lint").exit_code == 0
    entries = list((project / ".cfngen/cache/lint").glob("*.json"))
    assert entries
    for entry in entries:
        entry.write_text('[{"rule": "E0000"')  # cut short
    result = run("lint")
    assert result.exit_code == 0, result.output
    assert all(isinstance(json.loads(e.read_text()), list) for e in entries)


@pytest.mark.parametrize(
    "text", ["{", "[1, 2]", '[{"rule": "E1"}]', "\udcff"], ids=["cut", "not-dicts", "fields", "bytes"]
)
def test_corrupted_lint_cache_entry_reads_as_missing(tmp_path: Path, text: str) -> None:
    linter = Linter(cache_dir=tmp_path)
    path = tmp_path / "entry.json"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    assert linter._read(path) is None
