"""Progress on the long steps of a deploy (packaging with its dependency installs, uploads, waiting on a stack):
plain lines with the time taken in CI logs, a spinner on a terminal that printed lines never land behind.

A temp project outside the repo, the real CLI, a moto server over HTTP.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from moto_fixtures import user_project

from cfngen.cli import cli, progress

pytestmark = pytest.mark.integration

BUCKET = "cfngen-progress-artifacts"
STACK = """
from cfngen import Stack

stack = Stack("pg-hello")
stack.function("Hello", code="functions/hello", handler="app.handler", runtime="python3.12")
"""


@pytest.fixture
def project(tmp_path: Path, moto_reset: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    return user_project(tmp_path, monkeypatch, moto_reset, {"hello.py": STACK}, bucket=BUCKET)


def test_a_deploy_in_a_ci_log_reports_each_long_step_with_its_time(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress, "PLAIN_AFTER", 0.0)  # every step counts as long
    result = CliRunner().invoke(cli, ["deploy", "--render", "--artifact-bucket", BUCKET], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    steps = [line.rsplit(": ", 1)[0] for line in result.stderr.splitlines() if line.endswith("s")]
    assert "pg-hello: packaging Hello" in steps
    assert any(s.startswith("pg-hello: uploading Hello code (") for s in steps)
    assert "pg-hello: waiting for CloudFormation" in steps
    assert "\r" not in result.stderr  # no redraws outside a terminal


def test_on_a_terminal_printed_lines_clear_the_spinner_first(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "_interactive", lambda: True)
    monkeypatch.setattr(progress, "SHOW_AFTER", 0.0)
    from cfngen.deploy import events

    polls = events.EventStream.poll

    def slow_poll(self: Any) -> Any:  # give the spinner time to draw between the stack's events
        import time

        time.sleep(0.25)
        return polls(self)

    monkeypatch.setattr(events.EventStream, "poll", slow_poll)
    result = CliRunner().invoke(cli, ["deploy", "--render", "--artifact-bucket", BUCKET], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "\r| pg-hello: waiting for CloudFormation 0." in result.stderr
    assert "\r\033[K" in result.stderr  # taken off before the next line is printed
