"""What deploy hands to humans and CI: the summary, outputs files, the --json document, smoke tests."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cfngen.definitions import Stack
from cfngen.deploy.engine import Outcome, Result
from cfngen.deploy.events import Io
from cfngen.deploy.operate import contains, functions, invoke
from cfngen.errors import OperationFailed, UsageError

if TYPE_CHECKING:
    from mypy_boto3_lambda.literals import InvocationTypeType

    from cfngen.deploy.session import AwsClients


def summary(results: Sequence[Result], stacks: Sequence[Stack]) -> list[str]:
    from cfngen.builders.triggers import notes

    by_name = {s.name: s for s in stacks}
    lines = []
    for r in results:
        lines.append(f"{r.stack}: {r.result} in {r.duration_s:.1f}s")
        lines += [f"  note: {note}" for note in r.notes]
        lines += [f"  note: {note}" for note in (notes(by_name[r.stack]) if r.stack in by_name else [])]
        lines += [f"  {r.stack}.{key} = {value}" for key, value in r.outputs.items()]
    return lines


def outputs_text(results: Sequence[Result], fmt: str) -> str:
    """json: {stack: {key: value}}; env: STACK_KEY=value lines (upper-cased, non-alphanumerics -> _)."""
    if fmt == "json":
        return json.dumps({r.stack: r.outputs for r in results}, indent=2, sort_keys=True) + "\n"
    return "".join(
        f"{re.sub(r'[^A-Z0-9]+', '_', f'{r.stack}_{key}'.upper())}={shlex.quote(value)}\n"
        for r in results
        for key, value in sorted(r.outputs.items())
    )


def deploy_json(results: Sequence[Result]) -> str:
    doc = [
        {"stack": r.stack, "result": r.result, "outputs": r.outputs, "duration_s": round(r.duration_s, 3)}
        for r in results
    ]
    return json.dumps(doc, indent=2, sort_keys=True)


def load_smoke_tests(path: Path) -> dict[str, dict[str, Any]]:
    """function -> {"payload": ..., "expect": ..., "stack": ...}; a bare value is the payload."""
    import yaml  # cfn-lint's dependency; YAML is a superset of JSON, so one parser reads both

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise UsageError(f"{path}: cannot be read as JSON or YAML: {exc}") from exc
    if not isinstance(data, dict) or not data:
        raise UsageError(f"{path}: expected a mapping of function name -> payload, or -> {{payload, expect, stack}}")
    tests = {}
    for fn, spec in data.items():
        keyed = isinstance(spec, dict) and spec and set(spec) <= {"payload", "expect", "stack"}
        tests[str(fn)] = dict(spec) if keyed else {"payload": spec}
    return tests


def invoke_and_check(
    aws: AwsClients, stack: str, function: str, body: bytes, io: Io, *,
    invocation_type: InvocationTypeType = "RequestResponse", logs: bool = False, expected: Any = None,
) -> None:  # fmt: skip
    result = invoke(aws, function, body, invocation_type=invocation_type, logs=logs)
    io.echo(f"{stack}: {function} -> status {result.status_code}")
    parsed = result.parsed()
    if result.payload:
        io.echo(parsed if isinstance(parsed, str) else json.dumps(parsed, indent=2, sort_keys=True))
    if logs and result.log_tail:
        io.echo("--- log tail ---\n" + result.log_tail.rstrip())
    if result.function_error:
        detail = parsed if isinstance(parsed, dict) else {}
        error = f"{detail.get('errorType', '')} {detail.get('errorMessage', '')}".strip()
        raise OperationFailed(f"{function} failed ({result.function_error}): {error}")
    if expected is not None and not contains(expected, parsed):
        raise OperationFailed(f"{function}: the response does not contain {json.dumps(expected, sort_keys=True)}")


def run_smoke_tests(aws: AwsClients, results: Sequence[Result], tests: dict[str, dict[str, Any]], io: Io) -> None:
    """Invoke each named function of the stacks this run left deployed (not cancelled ones)."""
    deployed = {r.stack: functions(aws, r.stack) for r in results if Outcome(r.result).deployed}
    for fn, spec in tests.items():
        owners = [s for s, fns in deployed.items() if fn in fns and spec.get("stack", s) == s]
        if len(owners) != 1:
            known = sorted(f"{s}.{f}" for s, fns in deployed.items() for f in fns)
            problem = "no deployed stack has" if not owners else "several stacks have"
            raise UsageError(
                f"smoke test {fn!r}: {problem} that function",
                hint=f"functions: {', '.join(known)}" + ('; add "stack": NAME' if owners else ""),
            )
        body = json.dumps(spec.get("payload", {})).encode()
        invoke_and_check(aws, owners[0], deployed[owners[0]][fn], body, io, expected=spec.get("expect"))
