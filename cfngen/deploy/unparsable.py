"""An answer botocore could not parse, read back as the error it was: its type and message, and the call that got it.

moto answers some errors in the wrong protocol: a JSON error body (`{"__type": ..., "message": ...}`, e.g. a
Lambda error raised while CloudFormation creates a resource) to an XML service, or werkzeug's HTML page for an
HTTP 500 when moto itself crashed. botocore then raises ResponseParserError ("Unable to parse response ...
invalid XML received ...") with the raw body appended, which reads like a bug in cfngen. `describe()` turns it
into what the server meant, naming the API call and the stack or resource it was about (from botocore's
`_make_api_call` frame, the only place that knows them).
"""

from __future__ import annotations

import ast
import json
import re
from types import TracebackType

_BODY = re.compile(r"invalid XML received\. Further retries may succeed:\n(?P<body>b(?P<q>['\"]).*(?P=q))\Z", re.S)
# The request parameters that name what a call was about, in the order they are shown.
_NAMING_PARAMS = ("StackName", "LogicalResourceId", "FunctionName", "UUID", "Bucket", "Key")


def describe(exc: Exception) -> str | None:
    """One or two lines for a ResponseParserError with a body; None for any other error."""
    if type(exc).__name__ != "ResponseParserError":
        return None
    match = _BODY.search(str(exc))
    if match is None:
        return None
    try:
        body = ast.literal_eval(match["body"])
    except (ValueError, SyntaxError):
        return None
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    where = _call(exc.__traceback__)
    about = f" ({where})" if where else ""
    error = _json_error(text)
    if error is not None:
        kind, message = error
        return f"AWS: {kind}: {message}{about}"
    if "<html" in text.lower():
        title = re.search(r"<title>(.*?)</title>", text, re.S | re.I)
        return (
            f"AWS: the endpoint failed{about}: {title[1].strip() if title else 'an HTML page instead of an answer'}\n"
            "  hint: on the emulator, moto's traceback is in .cfngen/local.log (or the terminal of `cfngen local`)"
        )
    return f"AWS: the endpoint's answer is not what the service speaks{about}: {text[:200]}"


def _json_error(text: str) -> tuple[str, str] | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    kind = data.get("__type") or data.get("code") or data.get("Code")
    message = data.get("message") or data.get("Message") or ""
    if not kind:
        return None
    return str(kind).rsplit("#", 1)[-1], str(message)


def _call(tb: TracebackType | None) -> str | None:
    """`Operation StackName=x, ...` from the innermost botocore client call on the traceback."""
    found: str | None = None
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_name == "_make_api_call" and "operation_name" in frame.f_locals:
            params = frame.f_locals.get("api_params") or {}
            named = [f"{key}={params[key]}" for key in _NAMING_PARAMS if isinstance(params.get(key), str)]
            found = " ".join([str(frame.f_locals["operation_name"]), ", ".join(named)]).strip()
        tb = tb.tb_next
    return found
