"""A Lambda function, `add_event_source` that wires a source to it, and the checks on its fields.

`Stack.function(...)` claims the function's ids, then `define_function` runs the field checks below, so a
Function only ever holds normalised values: a resolved code path, a sorted environment, least-privilege
policy statements. FUNCTION_OPTIONS, the names `stack.function` accepts, are the Function's own fields.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Unpack

from cfngen import awsdata
from cfngen.definitions.checks import LOG_RETENTION_DAYS, RESERVED_ENV, Where
from cfngen.definitions.sources import DynamoDBTable, KinesisStream, S3Bucket, SnsTopic, Source
from cfngen.definitions.triggers import EVENT_SOURCE_OPTIONS, EventSourceOptions, Trigger, new_trigger

if TYPE_CHECKING:
    from cfngen.definitions.stack import Stack


@dataclass(eq=False)
class Function:
    stack: Stack
    name: str
    code: Path
    handler: str
    runtime: str
    memory: int = 128
    timeout: int = 3
    architecture: Literal["x86_64", "arm64"] = "x86_64"
    environment: Mapping[str, str] = field(default_factory=dict)
    description: str | None = None
    reserved_concurrency: int | None = None
    log_retention_days: int = 30
    policies: tuple[Mapping[str, Any], ...] = ()
    tracing: str | None = None
    dead_letter_arn: str | None = None
    layers: tuple[str, ...] = ()
    triggers: list[Trigger] = field(default_factory=list)

    def add_event_source(self, source: Source, **options: Unpack[EventSourceOptions]) -> Trigger:
        """Wire `source` to this function: a mapping for streams, permission + subscription for push.

        The options are those of the source's trigger (cfngen.definitions.triggers): PULL_OPTIONS for
        Kinesis and DynamoDB, SNS_OPTIONS for SNS, S3_OPTIONS for S3.
        """
        stack = self.stack
        stack._check_open()
        Where(stack, self.name).reject_unknown(options, EVENT_SOURCE_OPTIONS, "add_event_source")
        if not isinstance(source, (KinesisStream, DynamoDBTable, SnsTopic, S3Bucket)):
            raise Where(stack, self.name).fail(
                "source",
                f"{source!r} is not an event source; allowed: KinesisStream, DynamoDBTable, "
                "SnsTopic, S3Bucket (from stack.kinesis_stream(...) etc. or .from_arn(...))",
            )
        where = Where(stack, f"{self.name}<-{source.name}")
        if source.stack is not None and source.stack is not stack:
            raise where.fail(
                "source",
                f"{source.label} {source.name} belongs to stack {source.stack.name}",
                hint="refer to it with .from_arn(...) / .from_name(...)",
            )
        if any(t.source is source for t in self.triggers):
            raise where.fail("source", f"{source.label} {source.name} is already a source of {self.name}")
        given: Mapping[str, object] = options
        # In table order, not call order, so the checks (and which mistake is named first) do not depend on it.
        given = {name: given[name] for name in EVENT_SOURCE_OPTIONS if given.get(name) is not None}
        trigger = new_trigger(where, self, source, given)
        stack._adopt(source)
        stack._claim(trigger.id_owner, trigger.name, f"the trigger {source.name} -> {self.name}", where, bare=False)
        self.triggers.append(trigger)
        return trigger


FUNCTION_OPTIONS = tuple(f.name for f in fields(Function) if f.name not in ("stack", "name", "triggers"))


def define_function(
    w: Where,
    name: str,
    *,
    code: str | Path,
    handler: str,
    runtime: str,
    memory: int,
    timeout: int,
    architecture: str,
    environment: Mapping[str, str] | None,
    description: str | None,
    reserved_concurrency: int | None,
    log_retention_days: int,
    policies: Sequence[Mapping[str, Any]],
    tracing: str | None,
    dead_letter_arn: str | None,
    layers: Sequence[str],
) -> Function:
    """A Function whose every field passed its check (`w` names the function being defined)."""
    stack = w.stack
    checked_runtime = _runtime(w, runtime)  # first: the order decides which of several mistakes is named
    return Function(
        stack,
        name,
        _code_path(w, stack.base_dir, code),
        handler=w.text(
            "handler", handler, max_len=128, pattern=re.compile(r"[^\s]+"), allowed="no spaces, e.g. app.handler"
        ),
        runtime=checked_runtime,
        memory=w.int_range("memory", memory, 128, 10240),
        timeout=w.int_range("timeout", timeout, 1, 900),
        architecture=w.choice("architecture", architecture, ("x86_64", "arm64")),  # type: ignore[arg-type]
        environment=_environment(w, environment or {}),
        description=None if description is None else w.text("description", description, max_len=256),
        reserved_concurrency=None
        if reserved_concurrency is None
        else w.int_range("reserved_concurrency", reserved_concurrency, 0, 100000),
        log_retention_days=w.choice(
            "log_retention_days",
            _whole(w, "log_retention_days", log_retention_days, LOG_RETENTION_DAYS),
            LOG_RETENTION_DAYS,
        ),
        policies=_policies(w, policies),
        tracing=None if tracing is None else w.choice("tracing", tracing, ("Active", "PassThrough")),
        dead_letter_arn=None if dead_letter_arn is None else w.arn("dead_letter_arn", dead_letter_arn, ("sqs", "sns")),
        layers=_layers(w, layers),
    )


def _runtime(w: Where, runtime: object) -> str:
    """A runtime Lambda accepts today; a deprecated one is named with its date and successor."""
    available = awsdata.current_runtimes()
    if runtime not in available:
        known = awsdata.runtime_lifecycle().get(runtime) if isinstance(runtime, str) else None
        if known is not None:
            raise w.fail(
                "runtime",
                f"{runtime!r} is deprecated (since {known.deprecated}); allowed: {', '.join(available)}",
                hint=f"use {known.successor}" if known.successor else None,
            )
        w.choice("runtime", runtime, available)
    return str(runtime)


def _whole(w: Where, fld: str, value: object, allowed: Sequence[int]) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise w.fail(fld, f"{value!r} is not a whole number; allowed: {', '.join(map(str, allowed))}")
    return value


def _code_path(w: Where, base: Path, code: object) -> Path:
    if not isinstance(code, (str, Path)) or not str(code):
        raise w.fail("code", f"{code!r} is not allowed; allowed: a directory or a .zip file")
    try:
        path = (base / code).resolve()
        exists = path.exists()
    except (OSError, ValueError) as exc:
        raise w.fail(
            "code", f"{str(code)!r} is not a usable path ({exc}); allowed: a directory or a .zip file"
        ) from exc
    if not exists:
        raise w.fail(
            "code",
            f"{str(code)!r} does not exist (looked in {path})",
            hint="code is relative to the stack file",
        )
    if path.is_file() and path.suffix != ".zip":
        raise w.fail("code", f"{str(code)!r} is a file but not a .zip; allowed: a directory or a .zip file")
    return path


def _environment(w: Where, env: object) -> dict[str, str]:
    if not isinstance(env, Mapping):
        raise w.fail("environment", f"{env!r} is not allowed; allowed: a dict of str to str")
    for key, value in env.items():
        if not isinstance(key, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]+", key):
            raise w.fail("environment", f"key {key!r} is not allowed; allowed: a letter then letters, digits, _ "
                         "(2 characters at least)")  # fmt: skip
        if RESERVED_ENV.fullmatch(key):
            raise w.fail("environment", f"key {key!r} is reserved by Lambda; allowed: any other name")
        if not isinstance(value, str):
            raise w.fail("environment", f"value of {key} is {value!r}; allowed: a string")
    out = {k: env[k] for k in sorted(env)}
    if len(json.dumps(out)) > 4096:
        raise w.fail("environment", "is larger than 4 KB; allowed: at most 4 KB in all")
    return out


def _policies(w: Where, policies: object) -> tuple[Mapping[str, Any], ...]:
    """Extra statements, held to the same least privilege as generated ones: no `*` or `service:*` actions,
    and a `*` resource only for actions that IAM cannot scope to a resource (per cfn-lint's IAM data)."""
    if isinstance(policies, (str, Mapping)) or not isinstance(policies, Sequence):
        raise w.fail("policies", f"{policies!r} is not allowed; allowed: a list of IAM statement dicts")
    return tuple(_statement(w, st) for st in policies)


def _statement(w: Where, st: object) -> dict[str, Any]:
    shape = "{'Action': ['s3:GetObject'], 'Resource': ['arn:aws:s3:::bucket/*']}"
    if not isinstance(st, Mapping) or not all(isinstance(k, str) for k in st):
        raise w.fail("policies", f"{st!r} is not allowed; allowed: a dict like {shape}")
    w.reject_unknown(st, ("Effect", "Action", "Resource", "Condition", "Sid"), "an IAM statement")
    if st.get("Effect", "Allow") not in ("Allow", "Deny"):
        raise w.fail("policies", f"Effect {st.get('Effect')!r} is not allowed; allowed: Allow, Deny")
    if "Sid" in st and not (isinstance(st["Sid"], str) and re.fullmatch(r"[A-Za-z0-9]+", st["Sid"])):
        raise w.fail("policies", f"Sid {st['Sid']!r} is not allowed; allowed: letters and digits")
    actions = st.get("Action")
    actions = [actions] if isinstance(actions, str) else actions
    if not isinstance(actions, (list, tuple)) or not actions:
        raise w.fail("policies", f"Action {st.get('Action')!r} is not allowed; allowed: a list like {shape}")
    for action in actions:
        if not isinstance(action, str) or not re.fullmatch(r"[a-z0-9-]+:[A-Za-z0-9*]+", action):
            raise w.fail("policies", f"action {action!r} is not allowed; allowed: service:Action")
        if action.endswith(":*"):
            raise w.fail(
                "policies",
                f"action {action!r} grants every action of the service; allowed: the actions the function needs",
                hint="least privilege: name each action",
            )
    resources = st.get("Resource")
    resources = [resources] if isinstance(resources, str) else resources
    if not isinstance(resources, (list, tuple)) or not resources or not all(isinstance(r, str) for r in resources):
        raise w.fail("policies", f"Resource {st.get('Resource')!r} is not allowed; allowed: a list of ARNs")
    for r in resources:
        w.placeholders("policies", r)
    if "*" in resources and st.get("Effect", "Allow") == "Allow":
        scoped = [a for a in actions if awsdata.action_takes_resources(a)]
        if scoped:
            raise w.fail(
                "policies",
                f"Resource '*' with {', '.join(scoped)}: these actions can be scoped; allowed: their exact ARNs",
                hint="'*' is accepted only for actions IAM cannot scope to a resource (e.g. xray:PutTraceSegments)",
            )
    out: dict[str, Any] = {"Effect": st.get("Effect", "Allow"), "Action": list(actions), "Resource": list(resources)}
    if "Condition" in st:
        out["Condition"] = _condition(w, st["Condition"])
    if "Sid" in st:
        out["Sid"] = st["Sid"]
    return out


def _condition(w: Where, condition: object) -> dict[str, dict[str, Any]]:
    """{operator: {key: value(s)}}, operators as IAM spells them (StringEquals, ForAnyValue:StringLike...)."""
    import awacs.aws as aws

    if not isinstance(condition, Mapping) or not condition:
        raise w.fail("policies", f"Condition {condition!r} is not allowed; allowed: {{operator: {{key: value}}}}")
    out = {}
    for op, values in condition.items():
        element = getattr(aws, str(op).replace(":", ""), None)
        if not (isinstance(element, type) and issubclass(element, aws.ConditionElement)) or not isinstance(op, str):
            raise w.fail("policies", f"Condition operator {op!r} is not allowed; allowed: an IAM condition operator "
                         "such as StringEquals, ArnLike, ForAnyValue:StringLike, BoolIfExists")  # fmt: skip
        if not isinstance(values, Mapping) or not values or not all(isinstance(k, str) for k in values):
            raise w.fail("policies", f"Condition {op} {values!r} is not allowed; allowed: {{key: value or [values]}}")
        w.json("policies", values)
        out[op] = dict(values)
    return out


def _layers(w: Where, layers: object) -> tuple[str, ...]:
    if isinstance(layers, str) or not isinstance(layers, Sequence) or len(layers) > 5:
        raise w.fail("layers", f"{layers!r} is not allowed; allowed: a list of at most 5 layer version ARNs")
    return tuple(w.arn("layers", arn, ("layer",)) for arn in layers)
