"""AWS errors reach the user as one line with a hint and exit 1, never as an 'internal error' traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError
from click.testing import CliRunner

from cfngen.cli import aws_error, cli


def test_botocore_errors_become_messages_with_hints() -> None:
    text = aws_error(NoCredentialsError())
    assert text is not None and "Unable to locate credentials" in text and "--local" in text
    conn = aws_error(EndpointConnectionError(endpoint_url="http://localhost:1"))
    assert conn is not None and "--endpoint-url" in conn
    denied = ClientError({"Error": {"Code": "AccessDenied", "Message": "nope"}}, "DescribeStacks")
    assert aws_error(denied) == f"AWS: {denied}"
    assert aws_error(ValueError("x")) is None


def test_missing_credentials_exit_1_without_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    result = CliRunner().invoke(cli, ["outputs", "some-stack", "--region", "us-east-1"])
    assert result.exit_code == 1
    assert "Unable to locate credentials" in result.output
    assert "Traceback" not in result.output and "internal error" not in result.output


def test_no_stacks_is_a_usage_error_not_a_silent_success(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "_helpers.py").write_text("X = 1\n")
    monkeypatch.chdir(tmp_path)
    for verb in ("check", "render", "lint"):
        result = CliRunner().invoke(cli, [verb])
        assert result.exit_code == 2, (verb, result.output)
        assert "no stacks in stacks" in result.output


def test_interrupt_exits_130(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C (or SIGTERM, turned into the same) anywhere in a deploy: one line, exit 130, no traceback."""
    import cfngen.deploy.pipeline as pipeline

    (tmp_path / "stacks" / "fn").mkdir(parents=True)
    (tmp_path / "stacks" / "fn" / "app.py").write_text("def handler(e, c):\n    return e\n")
    (tmp_path / "stacks" / "s.py").write_text(
        "from cfngen import Stack\nstack = Stack('s')\n"
        "stack.function('F', code='fn', handler='app.handler', runtime='python3.12')\n"
    )
    monkeypatch.chdir(tmp_path)

    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "deploy_all", interrupted)
    result = CliRunner().invoke(cli, ["deploy", "--region", "us-east-1"])
    assert result.exit_code == 130
    assert "interrupted" in result.output and "Traceback" not in result.output


def test_sigterm_becomes_keyboard_interrupt_inside_the_block_only() -> None:
    import os
    import signal
    import time

    from cfngen.interrupts import sigterm_as_interrupt

    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt), sigterm_as_interrupt():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler raises long before this ends
    assert signal.getsignal(signal.SIGTERM) == before
