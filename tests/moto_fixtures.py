"""The moto server fixtures, shared by tests/integration (cfngen against moto) and tests/probes (moto itself).

Loaded as a pytest plugin by tests/conftest.py (`pytest_plugins`), so both folders use one server per session.

- `moto_server` (session scope): starts `python -m moto.server` on a free loopback port, waits until it
  answers, switches Lambda's docker mode off (Invoke then echoes the payload), yields a `MotoServer`,
  and terminates the process at the end of the session.
- `moto_reset` (function scope): wipes all moto state before the test, so tests are isolated.

The server is a separate process, not `cfngen.local`'s in-process emulator, so a test exercises the
client side exactly as it runs against AWS, and a moto crash cannot take pytest down with it. Clients
come from `cfngen.local.Emulator.session()`: fake credentials, never the user's ~/.aws or AWS_PROFILE.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from cfngen.local import FAKE_ACCOUNT_ID, FAKE_CREDENTIAL, Emulator

if TYPE_CHECKING:
    import boto3

REGION = "us-east-1"
STARTUP_DEADLINE_SECONDS = 30.0
_MOTO_CONFIG = {"lambda": {"use_docker": False}}
# Loopback requests must not go through a proxy from HTTP_PROXY.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class MotoServer:
    """A running moto server: its endpoint and clients for it."""

    endpoint_url: str
    region: str
    stderr_path: Path
    account_id: str = FAKE_ACCOUNT_ID

    def session(self) -> boto3.Session:
        return Emulator(self.endpoint_url, self.region, self.account_id).session()

    def client(self, service_name: str, **kwargs: Any) -> Any:
        """A boto3 client for the server; one attempt only, so a moto error fails the test at once."""
        from botocore.config import Config

        kwargs.setdefault("config", Config(retries={"total_max_attempts": 1}))
        return self.session().client(service_name, endpoint_url=self.endpoint_url, **kwargs)  # type: ignore[call-overload]

    def moto_api(self, path: str, body: dict[str, Any] | None = None) -> bytes:
        """POST to moto's control API, e.g. moto_api("static/lambda-simple/response", {"results": [...]})."""
        return _http("POST", f"{self.endpoint_url}/moto-api/{path}", {} if body is None else body)

    def reset(self) -> None:
        """Drop every resource in every backend. The docker switch survives a reset; set it again anyway."""
        self.moto_api("reset")
        self.moto_api("config", _MOTO_CONFIG)

    def stderr_tail(self, chars: int = 4000) -> str:
        return self.stderr_path.read_text(errors="replace")[-chars:]


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    log_dir = tmp_path_factory.mktemp("moto-server")
    # The free port is found by binding and releasing it, so another process may take it before moto
    # does: try a few ports before giving up.
    for attempt in range(3):
        port = _free_port()
        stderr_path = log_dir / f"stderr-{attempt}.log"
        # stderr goes to a file, not a pipe: werkzeug logs every request there, and a pipe nobody reads
        # fills up and blocks the server.
        with stderr_path.open("wb") as stderr:
            process = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                stdin=subprocess.DEVNULL,
                stdout=stderr,
                stderr=stderr,
                env=_server_env(),
            )
        server = MotoServer(endpoint_url=f"http://localhost:{port}", region=REGION, stderr_path=stderr_path)
        try:
            if _wait_until_up(server, process):
                break
        except BaseException:
            _stop(process)
            raise
        _stop(process)
        if "in use" not in server.stderr_tail():
            pytest.fail(f"moto server did not come up on port {port}:\n{server.stderr_tail()}")
    else:
        pytest.fail(f"moto server found no free port in 3 attempts:\n{server.stderr_tail()}")

    try:
        server.moto_api("config", _MOTO_CONFIG)
        yield server
    finally:
        _stop(process)


@pytest.fixture
def moto_reset(moto_server: MotoServer) -> MotoServer:
    moto_server.reset()
    return moto_server


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _server_env() -> dict[str, str]:
    """The user's environment minus its AWS settings: moto builds botocore sessions of its own, and a
    stale AWS_PROFILE there turns every moto error response into an HTTP 500."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID=FAKE_CREDENTIAL,
        AWS_SECRET_ACCESS_KEY=FAKE_CREDENTIAL,
        AWS_DEFAULT_REGION=REGION,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    return env


def _wait_until_up(server: MotoServer, process: subprocess.Popen[bytes]) -> bool:
    """True once /moto-api/ answers; False if the process exits first; fails the session on timeout."""
    deadline = time.monotonic() + STARTUP_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            _http("GET", f"{server.endpoint_url}/moto-api/", timeout=1.0)
            return True
        except OSError:
            time.sleep(0.05)
    pytest.fail(
        f"moto server on {server.endpoint_url} did not answer within {STARTUP_DEADLINE_SECONDS:.0f} s:\n"
        f"{server.stderr_tail()}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _http(method: str, url: str, body: dict[str, Any] | None = None, *, timeout: float = 10.0) -> bytes:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with _OPENER.open(request, timeout=timeout) as response:
        payload: bytes = response.read()
        return payload


def as_a_user(monkeypatch: pytest.MonkeyPatch, project: Path, endpoint_url: str) -> None:
    """Work the way the README tells a user to: from inside `project` (relative paths), with the AWS
    environment pointed at the moto server (fake credentials, a region, no profile)."""
    monkeypatch.chdir(project)
    for key, value in {
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_ACCESS_KEY_ID": FAKE_CREDENTIAL,
        "AWS_SECRET_ACCESS_KEY": FAKE_CREDENTIAL,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


ECHO_HANDLER = "def handler(event, context):\n    return event\n"


def user_project(
    root: Path,
    monkeypatch: pytest.MonkeyPatch,
    moto: MotoServer,
    stacks: dict[str, str],
    *,
    code: str = "hello",
    bucket: str | None = None,
) -> Path:
    """A project made as the README says, outside the repo: pyproject.toml, the stack files (name -> text,
    dedented), one function's code under stacks/functions/<code>; then `as_a_user` in it, and the artifact
    bucket the tests deploy with created on the server."""
    (root / "pyproject.toml").write_text("[tool.cfngen]\n")
    (root / "stacks/functions" / code).mkdir(parents=True)
    (root / "stacks/functions" / code / "app.py").write_text(ECHO_HANDLER)
    for name, text in stacks.items():
        (root / "stacks" / name).write_text(textwrap.dedent(text))
    as_a_user(monkeypatch, root, moto.endpoint_url)
    if bucket is not None:
        moto.client("s3").create_bucket(Bucket=bucket)
    return root


def stack_resources(moto: MotoServer, stack: str) -> dict[str, str]:
    """A deployed stack's logical id -> physical id (the entries moto lists without an id left out)."""
    listed = moto.client("cloudformation").list_stack_resources(StackName=stack)["StackResourceSummaries"]
    return {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in listed if r.get("PhysicalResourceId")}
