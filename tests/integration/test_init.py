"""`cfngen init`: a new project that renders, lints --strict and deploys on the project's emulator at once,
driven through the CLI in a temp folder outside the repo (the emulator is stopped at the end); and init never
overwrites a file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cfngen.cli import cli
from cfngen.project_emulator import pid_running, read_state, stop


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "CFNGEN_STACKS_DIR", "CFNGEN_TEMPLATES_DIR"):
        monkeypatch.delenv(name, raising=False)
    try:
        yield tmp_path
    finally:
        work = tmp_path / "shop/.cfngen"
        state = read_state(work)
        stop(work)
        assert state is None or not pid_running(state.pid)


def test_init_renders_lints_strict_and_deploys_locally(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made = run("init", "shop")
    assert made.exit_code == 0, made.output
    assert (here / "shop/.gitignore").read_text().count(".cfngen/") == 1
    assert "cfngen check" in (here / "shop/.pre-commit-config.yaml").read_text()
    assert "[tool.cfngen]" in (here / "shop/pyproject.toml").read_text()
    monkeypatch.chdir(here / "shop")
    for args in (("render",), ("lint", "--strict"), ("check",), ("deploy", "--local")):
        result = run(*args)
        assert result.exit_code == 0, (args, result.output)
    status = run("status", "--local")
    assert status.exit_code == 0 and "shop: CREATE_COMPLETE" in status.stdout, status.output
    assert "mapping HandlerEvents: Enabled" in status.stdout
    invoked = run("invoke", "--local", "shop", "--logs", "--payload", '{"Records": []}')
    assert invoked.exit_code == 0, invoked.output
    assert "note: no log tail: the emulator (moto) runs no function code" in invoked.stderr


def test_init_never_overwrites_a_file(here: Path) -> None:
    (here / "shop").mkdir()
    (here / "shop/.gitignore").write_text("mine\n")
    result = run("init", "shop")
    assert result.exit_code == 2, result.output
    assert "shop/.gitignore: already exists; init never overwrites a file, so nothing was written" in result.output
    assert sorted(p.name for p in (here / "shop").iterdir()) == [".gitignore"]
    assert (here / "shop/.gitignore").read_text() == "mine\n"
