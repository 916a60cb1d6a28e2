"""The embedded emulator: moto's server running inside this process, for `--local` and `cfngen local`.

It owns three things:

- starting moto's WSGI app on a free loopback port and stopping it again (`emulator()`); every response
  names the serving process in an X-Cfngen-Emulator-Pid header, so cfngen/project_emulator.py can tell the
  project's emulator from whatever else may answer on a recorded port;
- configuring it for cfngen: Lambda's docker mode off (so Invoke answers by echoing the payload instead
  of pulling a container image), a clean state, and the CloudFormation resource types cfngen emits that moto
  lacks (cfngen/local_models.py: Lambda versions and aliases);
- the client side: a boto3 Session with fake credentials and a region that never reads the user's
  ~/.aws files, AWS_PROFILE or proxy settings (`Emulator.session()`), plus the environment a shell
  needs to talk to the same server (`Emulator.env()`).

The endpoint is advertised as ``http://localhost:<port>`` although the socket is bound to 127.0.0.1:
moto reads a CloudFormation TemplateURL on a non-AWS host path-style (``/<bucket>/<key>``) only when the
host contains "localhost" (on ``127.0.0.1`` it takes "127" for the bucket), and S3 is path-style there.
Which emulator a command uses (the project's, started in the background and kept) is
cfngen/project_emulator.py's business; this module only runs one.

moto and boto3 are imported inside the functions: importing this module must stay cheap, because the
CLI imports it on every run, `--help` included.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cfngen.errors import OperationFailed, UsageError

if TYPE_CHECKING:
    import boto3
    from werkzeug.serving import BaseWSGIServer

__all__ = ["FAKE_ACCOUNT_ID", "FAKE_CREDENTIAL", "PID_HEADER", "Emulator", "emulator"]

#: The account moto reports for every request (STS GetCallerIdentity, ARNs, ${AWS::AccountId}).
FAKE_ACCOUNT_ID = "123456789012"
#: Access key id and secret key the emulator's clients sign with; moto accepts anything.
FAKE_CREDENTIAL = "testing"
#: The response header that names the process serving the emulator.
PID_HEADER = "X-Cfngen-Emulator-Pid"

MISSING_MOTO_HINT = (
    "pip install 'cfngen[local]'; with pipx: pipx inject cfngen 'moto[server]' (or pipx install 'cfngen[local]')"
)

_BIND_HOST = "127.0.0.1"
# moto reads a TemplateURL on 127.0.0.1 virtual-host style
# (probe: test_template_url_on_127_0_0_1_is_read_virtual_host_style)
_ADVERTISED_HOST = "localhost"
# Applied once the server is up; see the module docstring for why docker is off.
_MOTO_CONFIG: dict[str, Any] = {"lambda": {"use_docker": False}, "batch": {"use_docker": False}}
_HTTP_TIMEOUT_SECONDS = 10.0

# moto's backends are process-global, so every emulator in this process shares one state. A new
# emulator resets it only when no other one is running, so a nested emulator cannot wipe a live one.
_active_lock = threading.Lock()
_active = 0


@dataclass(frozen=True)
class Emulator:
    """A running emulator: where it listens and how to build clients for it."""

    endpoint_url: str
    region: str
    account_id: str = FAKE_ACCOUNT_ID

    def session(self) -> boto3.Session:
        """A boto3 Session with fake credentials and `region`, isolated from the user's AWS setup.

        Clients still need ``endpoint_url=emulator.endpoint_url``: botocore has no session-wide
        endpoint. The session ignores ~/.aws/config, ~/.aws/credentials and AWS_PROFILE (a profile
        that exists only on the user's machine would otherwise raise ProfileNotFound, and a profile's
        ``s3.addressing_style = virtual`` would break S3 against localhost), and its clients ignore
        HTTP(S)_PROXY, which would otherwise swallow loopback requests.
        """
        import boto3
        import botocore.config
        import botocore.session

        core = botocore.session.Session(
            session_vars={
                # (config-file key, environment variables, default, converter), as botocore defines them
                "profile": (None, None, None, None),
                "config_file": (None, None, os.devnull, None),
                "credentials_file": (None, None, os.devnull, None),
            }
        )
        core.set_default_client_config(botocore.config.Config(proxies={}))
        return boto3.Session(
            aws_access_key_id=FAKE_CREDENTIAL,
            aws_secret_access_key=FAKE_CREDENTIAL,
            region_name=self.region,
            botocore_session=core,
        )

    def env(self) -> dict[str, str]:
        """Environment variables that point the AWS CLI, boto3 and the SDKs at this emulator."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": FAKE_CREDENTIAL,
            "AWS_SECRET_ACCESS_KEY": FAKE_CREDENTIAL,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
        }


@contextmanager
def emulator(region: str = "us-east-1", port: int = 0, *, log_requests: bool = False) -> Iterator[Emulator]:
    """Start moto in this process on `port` (0: a free one), configure it, yield it, stop it.

    Requests are logged to stderr (werkzeug's access log) only with `log_requests`; moto's own
    errors (HTTP 500 with a traceback) are always logged.

    Raises UsageError when moto is not installed, the port cannot be bound or "localhost" does not
    resolve to 127.0.0.1; OperationFailed when the server does not answer.
    """
    global _active
    server = _start_server(port, log_requests=log_requests)
    # serve_forever checks for shutdown() every poll interval: its default 0.5 s would be the stop time.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="cfngen-emulator", daemon=True
    )
    thread.start()
    try:
        emu = Emulator(endpoint_url=f"http://{_ADVERTISED_HOST}:{server.port}", region=region)
        with _active_lock:
            fresh = _active == 0
            _active += 1
        try:
            _configure(emu.endpoint_url, server.port, reset=fresh)
            yield emu
        finally:
            with _active_lock:
                _active -= 1
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _start_server(port: int, *, log_requests: bool) -> BaseWSGIServer:
    """Bind the socket here (errors surface in the caller) and wrap moto's WSGI app around it.

    This is moto.server.ThreadedMotoServer's body with one fix: ThreadedMotoServer binds inside its
    thread, and when the port is taken werkzeug prints to stderr and exits that thread, so start()
    waits for the ready event forever. Binding first turns that into a UsageError.
    """
    try:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server
    except ImportError as exc:
        raise UsageError("the embedded emulator needs moto, which is not installed", hint=MISSING_MOTO_HINT) from exc
    from cfngen import local_models

    local_models.register()  # the resource types cfngen emits that moto's CloudFormation lacks

    class RequestHandler(MotoRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            if log_requests:
                super().log_request(code, size)

    _check_localhost()
    try:
        listener = socket.create_server((_BIND_HOST, port))
    except OSError as exc:
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        raise UsageError(
            f"the emulator cannot listen on {_BIND_HOST}:{port}: {reason}",
            hint="choose another --port, or 0 for any free port",
        ) from exc
    with listener:  # make_server duplicates the descriptor; ours is closed when this block ends
        bound_port: int = listener.getsockname()[1]
        return make_server(
            _BIND_HOST,
            bound_port,
            _tagged(DomainDispatcherApplication(create_backend_app)),
            threaded=True,
            request_handler=RequestHandler,
            fd=listener.fileno(),
        )


def _tagged(app: Any) -> Any:
    """Wrap a WSGI app so that every response carries this process's pid in PID_HEADER."""
    pid = str(os.getpid())

    def tagged(environ: dict[str, Any], start_response: Any) -> Any:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, [*headers, (PID_HEADER, pid)], exc_info)

        return app(environ, start)

    return tagged


def _check_localhost() -> None:
    """The advertised host must reach the socket bound to 127.0.0.1."""
    try:
        infos = socket.getaddrinfo(_ADVERTISED_HOST, None, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise UsageError(
            f"'{_ADVERTISED_HOST}' does not resolve ({exc}); the emulator needs it",
            hint=f"add '127.0.0.1 {_ADVERTISED_HOST}' to the hosts file",
        ) from exc
    if not any(info[4][0] == _BIND_HOST for info in infos):
        found = ", ".join(sorted({str(info[4][0]) for info in infos}))
        raise UsageError(
            f"'{_ADVERTISED_HOST}' resolves to {found}, not {_BIND_HOST}; the emulator needs it",
            hint=f"add '127.0.0.1 {_ADVERTISED_HOST}' to the hosts file",
        )


def _configure(endpoint_url: str, port: int, *, reset: bool) -> None:
    """Check that both names reach the server, reset it if asked, and switch Lambda's docker mode off."""
    _http("GET", f"http://{_BIND_HOST}:{port}/moto-api/config")
    if reset:
        _http("POST", f"{endpoint_url}/moto-api/reset")
    _http("POST", f"{endpoint_url}/moto-api/config", _MOTO_CONFIG)


def _http(method: str, url: str, body: dict[str, Any] | None = None) -> bytes:
    import http.client
    import urllib.request  # here, not at the top: it costs ~20 ms of every CLI start

    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    # No ProxyHandler entries: a proxy from HTTP_PROXY must not swallow loopback requests.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=_HTTP_TIMEOUT_SECONDS) as response:
            payload: bytes = response.read()
            return payload
    except (OSError, http.client.HTTPException) as exc:  # URLError and HTTPError are OSErrors
        raise OperationFailed(f"the embedded emulator does not answer {method} {url}: {exc}") from exc
