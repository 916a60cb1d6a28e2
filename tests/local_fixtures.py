"""A project that uses `--local` (the project's background emulator), driven as a user drives it: the installed
`cfngen` in a subprocess, from inside the project, with no AWS settings from the environment. Shared by the
integration tests of the embedded emulator's own models (aliases, stream consumers)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cfngen.local import Emulator
from cfngen.project_emulator import pid_running

CFNGEN = shutil.which("cfngen", path=str(Path(sys.executable).parent)) or "cfngen"


@dataclass
class LocalProject:
    root: Path
    env: dict[str, str]

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [CFNGEN, *args], cwd=self.root, env=self.env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=180,
        )  # fmt: skip

    def client(self, service: str) -> Any:
        """A client for the project's emulator (started by the first --local command)."""
        state = json.loads((self.root / ".cfngen/local.json").read_text())
        emu = Emulator(endpoint_url=state["endpoint"], region=state["region"])
        return emu.session().client(service, endpoint_url=emu.endpoint_url)

    def stack_resources(self, stack: str) -> dict[str, str]:
        listed = self.client("cloudformation").list_stack_resources(StackName=stack)["StackResourceSummaries"]
        return {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in listed if r["LogicalResourceId"]}


@contextlib.contextmanager
def local_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stacks: dict[str, str], *, code: str
) -> Iterator[LocalProject]:
    """The project in tmp_path/svc (stack files, one function's code), worked in with relative paths; at the end
    its emulator is stopped with `cfngen local --stop`, and a test fails if it outlives that."""
    root = tmp_path / "svc"
    (root / "stacks/functions" / code).mkdir(parents=True)
    (root / "stacks/functions" / code / "app.py").write_text("def handler(event, context):\n    return event\n")
    for name, text in stacks.items():
        (root / "stacks" / name).write_text(textwrap.dedent(text))
    (root / "pyproject.toml").write_text('[project]\nname = "svc"\n\n[tool.cfngen]\n')
    monkeypatch.chdir(root)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CFNGEN_"))}
    env.update(NO_COLOR="1", AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    project = LocalProject(root=Path("."), env=env)  # relative: the commands run in the project
    try:
        yield project
    finally:
        state_file = root / ".cfngen/local.json"
        pid = json.loads(state_file.read_text())["pid"] if state_file.exists() else None
        project.run("local", "--stop")
        deadline = time.monotonic() + 10
        while pid is not None and pid_running(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if pid is not None and pid_running(pid):
            os.kill(pid, signal.SIGKILL)
            pytest.fail(f"the project's emulator (pid {pid}) outlived `cfngen local --stop`")
