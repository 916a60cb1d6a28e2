"""What deploy hands to humans and CI: the summary, outputs files, the --json document, smoke tests, and
what `cfngen diff` prints for each stack."""

from __future__ import annotations

import base64
import json
import re
import shlex
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cfngen import names
from cfngen.definitions import Stack
from cfngen.deploy.compare import Change
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
    if len(results) > 1:  # several stacks: one line says how the run went ("4 stacks: 2 created, 2 up-to-date")
        counted = Counter(str(r.result) for r in results)
        lines.append(f"{len(results)} stacks: " + ", ".join(f"{n} {result}" for result, n in counted.items()))
    return lines


# A code key ends in the zip's sha256 (artifacts.artifact_key); the first 12 digits, as `package` and deploy print.
_CODE_SHA = re.compile(r"([0-9a-f]{64})\.zip$")
_LAMBDA_SHA = re.compile(r"[A-Za-z0-9+/]{43}=")  # a SHA-256 digest in base64


def shown_value(key: str, value: str | None) -> str:
    """A parameter value for `cfngen diff`: "(none)" when not set, a code key as its hash prefix."""
    if value is None:
        return "(none)"
    if key.endswith(names.code_key.suffix) and (sha := _CODE_SHA.search(value)):
        return sha.group(1)[:12]
    if key.endswith(names.code_sha256.suffix) and _LAMBDA_SHA.fullmatch(value):  # alias=: Lambda's base64 form
        return base64.b64decode(value).hex()[:12]
    return value


def differences(result: Result, local_text: str) -> list[str]:
    """`cfngen diff` for one stack, after its change-set rows: what differs from the deployed stack
    (parameters old -> new, tags old -> new, then the template as a unified diff), and why a value that
    differs is not listed (a mapping switch deploy keeps is in the notes)."""
    found, name = result.differences, result.stack
    if found is None:
        return []
    lines = [f"  note: {note}" for note in result.notes]
    if not found.any:
        return [f"{name}: no differences (template, parameters and tags match the deployed stack)", *lines]
    if not found.exists:
        lines.insert(0, f"{name}: not deployed; a deploy creates it")
    lines += _changed(name, "parameters", found.parameters, shown_value)
    lines += _changed(name, "tags", found.tags, lambda _key, value: "(none)" if value is None else value)
    if not found.template_changed:
        return [*lines, f"{name}: template identical to the deployed one"]
    from cfngen.render import canonical_json, unified_diff

    deployed = "" if found.deployed_template is None else canonical_json(dict(found.deployed_template))
    before = f"{name} (deployed)" if found.exists else f"{name} (not deployed)"
    text = unified_diff(deployed, local_text, before, f"{name} (local)")
    return [*lines, *text.splitlines()]


def _changed(stack: str, what: str, changes: Sequence[Change], shown: Callable[[str, str | None], str]) -> list[str]:
    if not changes:
        return []
    return [
        f"{stack}: {what} (deployed -> new):",
        *(f"  {c.key}: {shown(c.key, c.deployed)} -> {shown(c.key, c.deploying)}" for c in changes),
    ]


def outputs_text(results: Sequence[Result] | Mapping[str, Mapping[str, str]], fmt: str) -> str:
    """Outputs by stack (deploy results, or {stack: {key: value}}) as text in `fmt`:
    json: {stack: {key: value}}; env: STACK_OUTPUT=value lines (see `env_key`), shell-quoted;
    text: `stack.key = value` lines."""
    found = results if isinstance(results, Mapping) else {r.stack: r.outputs for r in results}
    if fmt == "json":
        return json.dumps({stack: dict(outs) for stack, outs in found.items()}, indent=2, sort_keys=True) + "\n"
    if fmt == "text":
        return "".join(f"{stack}.{key} = {value}\n" for stack, outs in found.items() for key, value in outs.items())
    return "".join(
        f"{env_key(stack, key)}={shlex.quote(value)}\n"
        for stack, outs in found.items()
        for key, value in sorted(outs.items())
    )


def region_outputs_text(by_region: Mapping[str, Mapping[str, Mapping[str, str]]], fmt: str) -> str:
    """Several regions' outputs: json {region: {stack: {key: value}}}; env keys `<REGION>_<STACK>_<OUTPUT>`
    (US_EAST_1_SHOP_AUDIT_FUNCTION_ARN); text `region stack.key = value` lines."""
    if fmt == "json":
        doc = {region: {stack: dict(outs) for stack, outs in found.items()} for region, found in by_region.items()}
        return json.dumps(doc, indent=2, sort_keys=True) + "\n"
    if fmt == "text":
        return "".join(
            f"{region} {line}"
            for region, found in by_region.items()
            for line in outputs_text(found, "text").splitlines(True)
        )
    return "".join(
        outputs_text({f"{region}-{stack}": outs for stack, outs in found.items()}, "env")
        for region, found in by_region.items()
    )


def env_key(stack: str, output: str) -> str:
    """`<STACK>_<OUTPUT>` with word boundaries kept: camel case split, anything not a letter or digit
    -> `_`, upper-cased (`shop`, `AuditFunctionArn` -> `SHOP_AUDIT_FUNCTION_ARN`; `KMSKeyId` -> `KMS_KEY_ID`)."""

    def words(text: str) -> str:
        text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", text)  # an acronym before a word: KMSKey -> KMS_Key
        return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)  # lower (or digit) to upper: AuditFunction

    joined = f"{words(stack)}_{words(output)}"
    return re.sub(r"[^A-Z0-9]+", "_", joined.upper()).strip("_")


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
        try:  # checked before anything deploys: YAML also reads tags (!!binary) and dates, which JSON has not
            json.dumps(tests[str(fn)], allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise UsageError(
                f"{path}: smoke test {fn!r}: {exc}",
                hint="payloads and expectations are JSON values: quote dates ('2024-01-01') and drop YAML tags",
            ) from exc
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
