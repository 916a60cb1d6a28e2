"""Errors the emulator answers in the wrong protocol read as errors, not as a botocore parser complaint.

A tiny HTTP server plays the emulator here, answering as moto does: a JSON error body to an XML (query-protocol)
service, and werkzeug's HTML page for an HTTP 500. The client is a real botocore one, so the exception and its
traceback are the ones the CLI gets. The same through `deploy --local` is in tests/integration/test_local_project.py.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from cfngen.cli import aws_error

HTML_500 = (
    b"<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>\n"
    b"<p>The server encountered an internal error and was unable to complete your request.</p>\n"
)
JSON_ERROR = b'{"__type": "ResourceNotFoundException", "message": "Invalid EventSourceArn"}'


@pytest.fixture
def answer() -> Iterator[dict[str, Any]]:
    """A server that answers every request with `answer["status"]` and `answer["body"]`."""
    reply: dict[str, Any] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(reply["status"])
            self.send_header("Content-Length", str(len(reply["body"])))
            self.end_headers()
            self.wfile.write(reply["body"])

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    reply["endpoint"] = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield reply
    finally:
        server.shutdown()
        server.server_close()


def failing_call(reply: dict[str, Any], status: int, body: bytes) -> Exception:
    import boto3
    from botocore.config import Config

    reply.update(status=status, body=body)
    cf = boto3.Session(aws_access_key_id="x", aws_secret_access_key="x", region_name="us-east-1").client(
        "cloudformation", endpoint_url=reply["endpoint"], config=Config(retries={"total_max_attempts": 1})
    )
    with pytest.raises(Exception) as raised:
        cf.describe_stacks(StackName="shop")
    assert "Unable to parse response" in str(raised.value)  # the control: botocore's own message
    return raised.value


def test_a_json_error_body_reads_as_its_type_and_message(answer: dict[str, Any]) -> None:
    text = aws_error(failing_call(answer, 400, JSON_ERROR))
    assert text == "AWS: ResourceNotFoundException: Invalid EventSourceArn (DescribeStacks StackName=shop)"


def test_an_html_500_page_reads_as_the_endpoint_failing(answer: dict[str, Any]) -> None:
    text = aws_error(failing_call(answer, 500, HTML_500))
    assert text is not None
    first, hint = text.splitlines()
    assert first == "AWS: the endpoint failed (DescribeStacks StackName=shop): 500 Internal Server Error"
    assert ".cfngen/local.log" in hint
    assert "Unable to parse" not in text and "<html" not in text


def test_other_unparsable_bodies_are_shown_short(answer: dict[str, Any]) -> None:
    text = aws_error(failing_call(answer, 400, b"plain words " * 50))
    assert text is not None and text.startswith("AWS: the endpoint's answer is not what the service speaks")
    assert "Unable to parse" not in text and len(text) < 320
