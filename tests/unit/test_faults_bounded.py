"""Faults that must end quickly and quietly (issue 9): an endpoint that never answers, and the lint child.

The hung endpoint is a loopback TCP server that accepts and never answers; the timeouts are made small
through the session's settings instead of waiting real minutes. The lint child runs as a real process (its
stderr is the terminal's, which CliRunner cannot capture), so these tests start cfngen with subprocess.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from cfngen.deploy.session import Aws
from cfngen.errors import OperationFailed


@pytest.fixture
def silent_endpoint() -> Iterator[tuple[str, list[socket.socket]]]:
    """http://127.0.0.1:<port>: accepts every connection, reads nothing, answers nothing."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                accepted.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}", accepted
    server.close()
    for conn in accepted:
        conn.close()


def aws_at(endpoint: str, **timeouts: float) -> Aws:
    base = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
    return Aws(region="us-east-1", endpoint_url=endpoint, base=base, **timeouts)  # type: ignore[arg-type]


def test_a_call_that_gets_no_answer_fails_soon_naming_the_endpoint(
    silent_endpoint: tuple[str, list[socket.socket]],
) -> None:
    """botocore's defaults would wait 60 s per attempt, for every adaptive retry (~10 minutes)."""
    endpoint, accepted = silent_endpoint
    aws = aws_at(endpoint, connect_timeout=0.2, read_timeout=0.3)
    started = time.monotonic()
    with pytest.raises(OperationFailed) as raised:
        aws.client("cloudformation").describe_stacks(StackName="any")
    elapsed = time.monotonic() - started
    assert f"no answer from {endpoint}/ after 3 attempt(s)" in raised.value.message
    assert "--endpoint-url" in str(raised.value.hint)
    assert len(accepted) == 3  # three attempts, not max_attempts (10)
    assert elapsed < 3 * 0.3 + 3.0  # three read timeouts and botocore's short backoff


def test_the_default_bound_is_a_couple_of_minutes() -> None:
    aws = Aws(region="us-east-1")
    assert aws.no_answer_attempts * (aws.connect_timeout + aws.read_timeout) <= 120


def test_an_invoke_that_gets_no_answer_is_never_sent_twice(silent_endpoint: tuple[str, list[socket.socket]]) -> None:
    """An invoke that timed out may have run: retrying it would run the function again."""
    endpoint, accepted = silent_endpoint
    aws = aws_at(endpoint, connect_timeout=0.2, invoke_read_timeout=0.3)
    with pytest.raises(OperationFailed, match="after 1 attempt"):
        aws.invoke_client().invoke(FunctionName="f", Payload=b"{}")
    assert len(accepted) == 1


# --- the lint child -------------------------------------------------------------------------------------

STACK = """
from cfngen import Stack

stack = Stack("quiet-hello")
stack.function("Hello", code="functions/{code}", handler="app.handler", runtime="python3.12")
"""


def project_with(tmp_path: Path, code: str) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.cfngen]\n")
    (tmp_path / "stacks/functions/hello").mkdir(parents=True)
    (tmp_path / "stacks/functions/empty").mkdir(parents=True)
    (tmp_path / "stacks/functions/hello/app.py").write_text("def handler(event, context):\n    return event\n")
    (tmp_path / "stacks/hello.py").write_text(textwrap.dedent(STACK).format(code=code))
    return tmp_path


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return env | {"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def test_a_deploy_that_fails_before_reading_lint_prints_no_traceback(tmp_path: Path) -> None:
    """An empty code folder fails packaging while the (cold) lint child still works: the child must not
    print a BrokenPipeError traceback when it finds nobody reading, and the parent reaps it."""
    project = project_with(tmp_path, "empty")
    done = subprocess.run(
        [sys.executable, "-m", "cfngen", "deploy", "--render", "--artifact-bucket", "unused"],
        cwd=project,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "nothing to package" in done.stderr
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="finds the lint workers through Linux's /proc")
def test_ctrl_c_during_a_cold_lint_prints_no_traceback(tmp_path: Path) -> None:
    """Ctrl-C reaches the whole process group, the lint child (and its forked workers) included, while
    cfn-lint works: signalled once its forked workers run, with 200 distinct templates still to lint."""
    templates = [json.dumps({"Resources": {f"Topic{i}": {"Type": "AWS::SNS::Topic"}}}) for i in range(200)]
    child = subprocess.Popen(
        [sys.executable, "-m", "cfngen.lint"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert child.stdin is not None
    child.stdin.write(json.dumps({"regions": ["us-east-1"], "cache_dir": "", "texts": templates}))
    child.stdin.close()
    children = Path(f"/proc/{child.pid}/task/{child.pid}/children")
    deadline = time.monotonic() + 60
    while not children.read_text().split():  # no workers yet: rules still loading
        assert time.monotonic() < deadline and child.poll() is None
        time.sleep(0.05)
    os.killpg(child.pid, signal.SIGINT)
    assert child.wait(60) == 130
    assert child.stderr is not None and child.stdout is not None
    err = child.stderr.read()
    child.stderr.close()
    child.stdout.close()
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
