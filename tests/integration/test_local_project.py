"""`--local` remembers: the project's emulator, found through .cfngen/local.json, outlives the command that started it.

Driven the way a user meets it: a project in a temp folder outside the repo, relative paths, and the installed
console script as a subprocess (the emulator is a detached background process, and the CLI ends with os._exit,
so an in-process runner would not show what a user sees). Every test stops the project's emulator when it ends
and checks that each emulator process it saw is gone.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cfngen.project_emulator import pid_running

ORDERS = """
from cfngen import Stack

stack = Stack("lp-orders")
fn = stack.function("Processor", code="functions/orders", handler="app.handler", runtime="python3.12")
stream = stack.kinesis_stream("Orders", shards=1)
fn.add_event_source(stream, starting_position="LATEST", enabled=False)
"""

CFNGEN = shutil.which("cfngen", path=str(Path(sys.executable).parent)) or "cfngen"


@dataclass
class Project:
    root: Path
    env: dict[str, str]
    pids: set[int] = field(default_factory=set)  # every emulator process a command recorded

    @property
    def state_file(self) -> Path:
        return self.root / ".cfngen/local.json"

    def state(self) -> dict[str, object] | None:
        try:
            data: dict[str, object] = json.loads(self.state_file.read_text())
        except FileNotFoundError:
            return None
        return data

    def pid(self) -> int:
        state = self.state()
        assert state is not None, "no emulator recorded"
        return int(str(state["pid"]))

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [CFNGEN, *args],
            cwd=self.root,
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        self.remember()
        return result

    def remember(self) -> None:
        state = self.state()
        if state is not None:
            self.pids.add(int(str(state["pid"])))


def wait_gone(pid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while pid_running(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    root = tmp_path / "shop"
    code = root / "stacks/functions/orders"
    code.mkdir(parents=True)
    (code / "app.py").write_text("def handler(event, context):\n    return event\n")
    (root / "stacks/orders.py").write_text(textwrap.dedent(ORDERS))
    (root / "pyproject.toml").write_text('[project]\nname = "shop"\n\n[tool.cfngen]\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CFNGEN_"))}
    env.update(NO_COLOR="1", AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    proj = Project(root=root, env=env)
    try:
        yield proj
    finally:
        proj.run("local", "--stop")
        left = sorted(pid for pid in proj.pids if not wait_gone(pid))
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        assert not left, f"emulator processes left running: {left}"
        assert proj.state() is None


def test_the_emulator_remembers_between_commands(project: Project) -> None:
    deploy = project.run("deploy", "--local")
    assert deploy.returncode == 0, deploy.stderr
    assert "lp-orders: created" in deploy.stdout
    assert "(started now in the background; stop it with `cfngen local --stop`)" in deploy.stderr
    first = project.pid()

    status = project.run("status", "--local")
    assert status.returncode == 0, status.stderr
    assert "lp-orders: CREATE_COMPLETE" in status.stdout
    assert "using the project's emulator at http://localhost:" in status.stderr
    assert f", pid {first})" in status.stderr and "running since " in status.stderr

    invoke = project.run("invoke", "lp-orders", "--local", "--payload", '{"order": 42}', "--expect", '{"order": 42}')
    assert invoke.returncode == 0, invoke.stderr
    outputs = project.run("outputs", "lp-orders", "--local", "--json")
    assert outputs.returncode == 0, outputs.stderr
    assert json.loads(outputs.stdout)
    enable = project.run("enable", "lp-orders", "--local")
    assert enable.returncode == 0, enable.stderr
    assert "mapping ProcessorOrders Enabled" in enable.stdout
    disable = project.run("disable", "lp-orders", "--local")
    assert disable.returncode == 0, disable.stderr
    assert "mapping ProcessorOrders Disabled" in disable.stdout
    delete = project.run("delete", "lp-orders", "--local", "--yes")
    assert delete.returncode == 0, delete.stderr
    assert "lp-orders: deleted" in delete.stdout
    assert project.pid() == first  # one emulator served every command

    stop = project.run("local", "--stop")
    assert stop.returncode == 0, stop.stderr
    assert "stopped the project's emulator at http://localhost:" in stop.stdout and f"(pid {first})" in stop.stdout
    assert wait_gone(first)
    assert project.state() is None

    fresh = project.run("status", "--local")
    assert fresh.returncode == 0, fresh.stderr
    assert "lp-orders: not deployed" in fresh.stdout
    assert "started now in the background" in fresh.stderr
    assert project.pid() != first


def test_the_background_emulator_has_no_terminal_and_logs_to_the_project(project: Project) -> None:
    assert project.run("status", "--local").returncode == 0
    pid = project.pid()
    assert os.getsid(pid) == pid  # a session of its own: no controlling terminal, no Ctrl-C from the shell
    log = project.root / ".cfngen/local.log"
    for fd in (0, 1, 2):
        target = os.readlink(f"/proc/{pid}/fd/{fd}")
        assert target == (os.devnull if fd == 0 else str(log))
    assert f"pid {pid} listening on" in log.read_text()


def test_a_killed_emulator_is_detected_and_replaced(project: Project) -> None:
    assert project.run("status", "--local").returncode == 0
    dead = project.pid()
    os.kill(dead, signal.SIGKILL)
    assert wait_gone(dead)
    assert project.state_file.exists()  # SIGKILL left the record behind

    status = project.run("status", "--local")
    assert status.returncode == 0, status.stderr
    assert "started now in the background" in status.stderr
    assert project.pid() != dead


def test_a_state_file_naming_another_process_is_not_trusted(project: Project) -> None:
    """A recorded pid that runs but is not an emulator (here: this test process) is never stopped or used."""
    project.state_file.parent.mkdir(parents=True)
    project.state_file.write_text(
        json.dumps({"pid": os.getpid(), "endpoint": "http://localhost:1", "region": "us-east-1", "started": 0})
    )
    stop = project.run("local", "--stop")
    assert stop.returncode == 0, stop.stderr
    assert "no emulator was running for this project (removed a stale" in stop.stdout
    assert project.state() is None
    project.pids.discard(os.getpid())


def test_stop_with_none_running(project: Project) -> None:
    stop = project.run("local", "--stop")
    assert stop.returncode == 0, stop.stderr
    assert stop.stdout.strip() == "no emulator was running for this project"


def test_two_commands_racing_start_one_emulator(project: Project) -> None:
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda _: project.run("status", "--local"), range(3)))
    assert [r.returncode for r in results] == [0, 0, 0], [r.stderr for r in results]
    started = [r for r in results if "started now" in r.stderr]
    assert len(started) == 1
    pid = project.pid()
    assert all(f"pid {pid})" in r.stderr for r in results if r is not started[0])
    assert project.pids == {pid}


@pytest.mark.parametrize("verbose", [False, True], ids=["quiet", "verbose"])
def test_the_foreground_emulator_is_used_and_logs_requests_only_with_verbose(project: Project, verbose: bool) -> None:
    log = project.root / "foreground.log"
    with log.open("w") as out:
        foreground = subprocess.Popen(
            [CFNGEN, "local", "--port", "0", *(["--verbose"] if verbose else [])],
            cwd=project.root,
            env=project.env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while project.state() is None and foreground.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert project.pid() == foreground.pid, log.read_text()
        status = project.run("status", "--local")
        assert status.returncode == 0, status.stderr
        assert "running since " in status.stderr and f"pid {foreground.pid})" in status.stderr
        again = project.run("local", "--port", "0")
        assert again.returncode == 2
        assert "already runs at" in again.stderr and "cfngen local --stop" in again.stderr

        stop = project.run("local", "--stop")
        assert stop.returncode == 0 and f"(pid {foreground.pid})" in stop.stdout
        assert foreground.wait(timeout=10) == 0
    finally:
        if foreground.poll() is None:
            foreground.kill()
            foreground.wait()
    assert project.state() is None  # removed on exit
    text = log.read_text()
    assert "cfngen local: stopped" in text
    assert ("HTTP/1.1" in text) is verbose


EXISTING_SOURCE = """
from cfngen import Stack
from cfngen.definitions import KinesisStream

stack = Stack("lp-existing")
fn = stack.function("Reader", code="functions/orders", handler="app.handler", runtime="python3.12")
clicks = KinesisStream.from_arn("arn:aws:kinesis:us-east-1:123456789012:stream/clicks")
fn.add_event_source(clicks, starting_position="LATEST")
"""


def test_an_emulator_error_in_json_reads_as_an_error(project: Project) -> None:
    """moto answers CloudFormation (XML) with Lambda's JSON error body when the mapping's stream does not exist."""
    (project.root / "stacks/existing.py").write_text(textwrap.dedent(EXISTING_SOURCE))
    deploy = project.run("deploy", "--local", "lp-existing")
    assert deploy.returncode == 1
    assert "refused to execute the change set: ResourceNotFoundException: Invalid EventSourceArn (" in deploy.stderr
    assert "StackName=lp-existing" in deploy.stderr and "the change set was deleted" in deploy.stderr
    assert "Unable to parse" not in deploy.stderr and "invalid XML" not in deploy.stderr
    assert "Traceback" not in deploy.stderr
