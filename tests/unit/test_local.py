"""The embedded emulator (cfngen/local.py): moto's server in this process, and clients isolated from the user's AWS.

One emulator serves the module (starting one costs well under a second); tests that are about starting and
stopping start their own. Every client is built from Emulator.session() with one attempt and a short timeout,
so a broken emulator fails a test at once instead of retrying.
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cfngen.errors import UsageError
from cfngen.local import FAKE_ACCOUNT_ID, FAKE_CREDENTIAL, Emulator, emulator

REGION = "eu-west-1"
ROLE_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def client(emu: Emulator, service: str) -> Any:
    from botocore.config import Config

    config = Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=10)
    return emu.session().client(service, endpoint_url=emu.endpoint_url, config=config)  # type: ignore[call-overload]


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with emulator(REGION) as running:
        yield running


def port_of(emu: Emulator) -> int:
    return int(emu.endpoint_url.rsplit(":", 1)[1])


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


# --- starting and stopping ----------------------------------------------------------------------------------


def test_endpoint_is_localhost_with_a_port(emu: Emulator) -> None:
    host, _, port = emu.endpoint_url.removeprefix("http://").partition(":")
    assert emu.endpoint_url.startswith("http://")
    assert host == "localhost"
    assert port.isdigit() and 0 < int(port) < 65536
    assert emu.region == REGION
    assert emu.account_id == FAKE_ACCOUNT_ID


def test_sts_and_s3_through_the_session(emu: Emulator) -> None:
    identity = client(emu, "sts").get_caller_identity()
    assert identity["Account"] == FAKE_ACCOUNT_ID
    s3 = client(emu, "s3")
    s3.create_bucket(Bucket="cfngen-local-test", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket="cfngen-local-test", Key="incoming/a.csv", Body=b"1,2\n")
    assert s3.get_object(Bucket="cfngen-local-test", Key="incoming/a.csv")["Body"].read() == b"1,2\n"
    assert "cfngen-local-test" in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_lambda_runs_without_docker_and_echoes_the_payload(emu: Emulator) -> None:
    """With docker on, moto would try to pull a runtime image and answer with an error; off, it echoes."""
    role = client(emu, "iam").create_role(RoleName="cfngen-local-fn", AssumeRolePolicyDocument=json.dumps(ROLE_POLICY))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    raise RuntimeError('docker ran me')\n")
    lam = client(emu, "lambda")
    lam.create_function(
        FunctionName="cfngen-local-echo",
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="app.handler",
        Code={"ZipFile": buffer.getvalue()},
    )
    payload = {"hello": "world", "n": [1, 2]}
    response = lam.invoke(FunctionName="cfngen-local-echo", Payload=json.dumps(payload).encode())
    assert response["StatusCode"] == 200
    assert "FunctionError" not in response
    assert json.loads(response["Payload"].read()) == payload


def emulator_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "cfngen-emulator"}


def test_stopping_closes_the_port_and_ends_the_thread() -> None:
    before = emulator_threads()
    with emulator() as running:
        started = emulator_threads() - before
        port = port_of(running)
        assert len(started) == 1
        assert answers(port)
        assert client(running, "sts").get_caller_identity()["Account"] == FAKE_ACCOUNT_ID
    assert not answers(port)
    assert not any(t.is_alive() for t in started)


def test_a_nested_emulator_shares_state_and_does_not_reset_it(emu: Emulator) -> None:
    """moto's backends are process-global: a second emulator must not wipe the first one's resources."""
    s3 = client(emu, "s3")
    s3.create_bucket(Bucket="cfngen-local-kept", CreateBucketConfiguration={"LocationConstraint": REGION})
    with emulator(REGION) as inner:
        assert inner.endpoint_url != emu.endpoint_url
        assert "cfngen-local-kept" in [b["Name"] for b in client(inner, "s3").list_buckets()["Buckets"]]
    assert "cfngen-local-kept" in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_a_taken_port_is_a_usage_error_naming_it() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(UsageError) as raised, emulator(port=port):
            pytest.fail("the emulator started on a taken port")
    assert f"127.0.0.1:{port}" in raised.value.message
    assert raised.value.hint is not None and "--port" in raised.value.hint
    assert raised.value.exit_code == 2


def test_env_points_a_shell_at_the_emulator(emu: Emulator) -> None:
    assert emu.env() == {
        "AWS_ENDPOINT_URL": emu.endpoint_url,
        "AWS_ACCESS_KEY_ID": FAKE_CREDENTIAL,
        "AWS_SECRET_ACCESS_KEY": FAKE_CREDENTIAL,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }


# --- importing is cheap -------------------------------------------------------------------------------------


def test_importing_cfngen_local_imports_neither_moto_nor_boto3() -> None:
    code = (
        "import sys, cfngen.local\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'moto', 'boto3', 'botocore', 'werkzeug'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"


# --- the session ignores the user's AWS setup ---------------------------------------------------------------


BOGUS_ENDPOINT = "http://bogus.invalid:1"


@pytest.fixture
def user_aws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty AWS setup of the user's own: the files exist, and no AWS variable is set."""
    (tmp_path / "config").write_text("")
    (tmp_path / "credentials").write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_session_ignores_a_profile_that_does_not_exist(
    emu: Emulator, user_aws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3
    import botocore.exceptions

    monkeypatch.setenv("AWS_PROFILE", "cfngen-test-no-such-profile")
    with pytest.raises(botocore.exceptions.ProfileNotFound):  # the control: a plain session reads AWS_PROFILE
        boto3.Session(region_name=REGION)
    assert emu.session().region_name == REGION
    assert client(emu, "sts").get_caller_identity()["Account"] == FAKE_ACCOUNT_ID


# botocore reads profiles from both files: the credentials file's [default] is merged into the config's.
@pytest.mark.parametrize("file", ["config", "credentials"])
def test_session_ignores_the_users_config_and_credentials_files(emu: Emulator, user_aws: Path, file: str) -> None:
    import boto3

    (user_aws / file).write_text(
        "[default]\n"
        "region = ap-south-2\n"
        f"endpoint_url = {BOGUS_ENDPOINT}\n"
        "aws_access_key_id = AKIAUSER\n"
        "aws_secret_access_key = user-secret\n"
        "s3 =\n"
        "    addressing_style = virtual\n"
    )
    # the control: a plain session does read the file
    plain = boto3.Session(aws_access_key_id="x", aws_secret_access_key="x")
    assert plain.region_name == "ap-south-2"
    assert plain.client("sts").meta.endpoint_url == BOGUS_ENDPOINT

    session = emu.session()
    assert session.region_name == REGION
    frozen = session.get_credentials().get_frozen_credentials()  # type: ignore[union-attr]
    assert (frozen.access_key, frozen.secret_key) == (FAKE_CREDENTIAL, FAKE_CREDENTIAL)
    assert session.client("sts").meta.endpoint_url != BOGUS_ENDPOINT
    assert client(emu, "sts").get_caller_identity()["Account"] == FAKE_ACCOUNT_ID
    s3 = client(emu, "s3")
    s3.create_bucket(Bucket=f"cfngen-local-{file}", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket=f"cfngen-local-{file}", Key="k", Body=b"v")  # virtual-hosted addressing misses localhost
    assert s3.get_object(Bucket=f"cfngen-local-{file}", Key="k")["Body"].read() == b"v"


def test_session_clients_ignore_proxy_settings(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3
    import botocore.config
    import botocore.exceptions

    with socket.create_server(("127.0.0.1", 0)) as closed:
        dead = closed.getsockname()[1]
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{dead}")
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    one_try = botocore.config.Config(retries={"total_max_attempts": 1}, connect_timeout=2)
    plain = boto3.Session(region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    with pytest.raises(botocore.exceptions.ProxyConnectionError):  # the control: the proxy is honoured and dead
        plain.client("sts", endpoint_url=emu.endpoint_url, config=one_try).get_caller_identity()
    assert client(emu, "sts").get_caller_identity()["Account"] == FAKE_ACCOUNT_ID
    assert os.environ["HTTP_PROXY"].endswith(str(dead))
