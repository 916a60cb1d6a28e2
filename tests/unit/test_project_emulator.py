"""The state file of the project's emulator (cfngen/project_emulator.py): what counts as alive, what is stale.

The CLI-level behaviour (background start, --stop, races) is in tests/integration/test_local_project.py; here
the pieces it relies on, with an in-process emulator where a live one is needed.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from cfngen.cli import cli
from cfngen.errors import UsageError
from cfngen.local import Emulator, emulator
from cfngen.project_emulator import (
    STATE_FILE,
    Found,
    State,
    alive,
    ensure_running,
    pid_running,
    read_state,
    remove_state,
    write_state,
)


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with emulator() as running:
        yield running


def closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port: int = server.getsockname()[1]
    return port


def test_state_round_trips_through_the_file(tmp_path: Path) -> None:
    state = State(pid=4242, endpoint="http://localhost:5000", region="eu-west-1", started=1_700_000_000.5)
    write_state(tmp_path / ".cfngen", state)
    assert read_state(tmp_path / ".cfngen") == state
    assert json.loads((tmp_path / ".cfngen" / STATE_FILE).read_text())["endpoint"] == "http://localhost:5000"
    assert [p.name for p in (tmp_path / ".cfngen").iterdir()] == [STATE_FILE]  # no temp file left


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{",
        "[]",
        '{"pid": 1}',
        '{"pid": "x", "endpoint": "e", "region": "r", "started": 0}',
        '{"pid": 0, "endpoint": "e", "region": "r", "started": 0}',
    ],
    ids=["empty", "truncated", "list", "incomplete", "bad-pid", "zero-pid"],
)
def test_a_file_cfngen_did_not_write_reads_as_no_state(tmp_path: Path, text: str) -> None:
    (tmp_path / STATE_FILE).write_text(text)
    assert read_state(tmp_path) is None


def test_no_file_reads_as_no_state(tmp_path: Path) -> None:
    assert read_state(tmp_path) is None


def test_remove_state_with_a_pid_keeps_another_process_record(tmp_path: Path) -> None:
    write_state(tmp_path, State(pid=10, endpoint="http://localhost:1", region="us-east-1", started=0))
    remove_state(tmp_path, pid=11)
    assert read_state(tmp_path) is not None
    remove_state(tmp_path, pid=10)
    assert read_state(tmp_path) is None
    remove_state(tmp_path)  # nothing to remove: no error


def test_alive_needs_the_endpoint_to_name_the_recorded_pid(emu: Emulator) -> None:
    """The in-process emulator answers with this process's pid in its header."""
    assert alive(State(pid=os.getpid(), endpoint=emu.endpoint_url, region="us-east-1", started=0))
    # a running process that is not the one serving: another pid on a port that answers is not trusted
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert pid_running(other.pid)
        assert not alive(State(pid=other.pid, endpoint=emu.endpoint_url, region="us-east-1", started=0))
    finally:
        other.kill()
        other.wait()


def test_alive_is_false_for_a_port_that_does_not_answer() -> None:
    started = time.monotonic()
    state = State(pid=os.getpid(), endpoint=f"http://localhost:{closed_port()}", region="us-east-1", started=0)
    assert not alive(state)
    assert time.monotonic() - started < 2


def test_pid_running_is_false_for_an_exited_child_not_yet_reaped() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 10
    while pid_running(child.pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not pid_running(child.pid)


def test_found_says_which_emulator_is_used() -> None:
    state = State(pid=77, endpoint="http://localhost:5000", region="us-east-1", started=time.time())
    assert Found(state, started_now=True).describe() == (
        "using the project's emulator at http://localhost:5000 "
        "(started now in the background; stop it with `cfngen local --stop`)"
    )
    since = time.strftime("%H:%M", time.localtime(state.started))
    assert Found(state, started_now=False).describe() == (
        f"using the project's emulator at http://localhost:5000 (running since {since}, pid 77)"
    )
    older = State(pid=77, endpoint="e", region="r", started=time.time() - 3 * 86400)
    assert older.since() == time.strftime("%Y-%m-%d %H:%M", time.localtime(older.started))


def test_a_missing_emulator_names_both_install_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "moto" else real(name, *a))
    with pytest.raises(UsageError) as raised:
        ensure_running(tmp_path / ".cfngen", "us-east-1")
    assert raised.value.hint is not None
    assert "pip install 'cfngen[local]'" in raised.value.hint
    assert "pipx inject cfngen 'moto[server]'" in raised.value.hint
    assert "pipx install 'cfngen[local]'" in raised.value.hint

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["outputs", "shop", "--local"])
    assert result.exit_code == 2
    assert "error: the embedded emulator needs moto, which is not installed" in result.output
    assert "pipx inject cfngen 'moto[server]'" in result.output
    assert read_state(tmp_path / ".cfngen") is None
