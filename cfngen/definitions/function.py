"""A Lambda function, `add_event_source` that wires a source to it, and the checks on its fields.

`Stack.function(...)` runs the field checks below before it builds a Function, so a Function only ever
holds normalised values: a resolved code path, a sorted environment, least-privilege policy statements.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from cfngen import awsdata
from cfngen.definitions.checks import (
    PULL_OPTIONS,
    RESERVED_ENV,
    S3_OPTIONS,
    SNS_OPTIONS,
    _check_placeholders,
    _json,
    _reject_unknown,
    _Where,
)
from cfngen.definitions.sources import DynamoDBTable, KinesisStream, S3Bucket, SnsTopic, Source
from cfngen.definitions.triggers import (
    Trigger,
    _pull_trigger,
    _s3_trigger,
    _sns_trigger,
)

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

    def add_event_source(
        self,
        source: Source,
        *,
        starting_position: str | None = None,
        starting_timestamp: float | None = None,
        batch_size: int | None = None,
        batching_window_seconds: int | None = None,
        enabled: bool | None = None,
        bisect_on_error: bool | None = None,
        max_retries: int | None = None,
        max_record_age_seconds: int | None = None,
        parallelization_factor: int | None = None,
        on_failure_arn: str | None = None,
        filter_patterns: Sequence[Mapping[str, Any]] | None = None,
        filter_policy: Mapping[str, Any] | None = None,
        filter_policy_scope: str | None = None,
        events: Sequence[str] | None = None,
        prefix: str | None = None,
        suffix: str | None = None,
        **unknown: Any,
    ) -> Trigger:
        """Wire `source` to this function: a mapping for streams, permission + subscription for push."""
        options = {k: v for k, v in locals().items() if k not in ("self", "source", "unknown")}
        stack = self.stack
        stack._check_open()
        _reject_unknown(
            _Where(stack, self.name), unknown, [*PULL_OPTIONS, *SNS_OPTIONS, *S3_OPTIONS], "add_event_source"
        )
        if not isinstance(source, (KinesisStream, DynamoDBTable, SnsTopic, S3Bucket)):
            raise _Where(stack, self.name).fail(
                "source",
                f"{source!r} is not an event source; allowed: KinesisStream, DynamoDBTable, "
                "SnsTopic, S3Bucket (from stack.kinesis_stream(...) etc. or .from_arn(...))",
            )
        where = _Where(stack, f"{self.name}<-{source.name}")
        if source.stack is not None and source.stack is not stack:
            raise where.fail(
                "source",
                f"{source.label} {source.name} belongs to stack {source.stack.name}",
                hint="refer to it with .from_arn(...) / .from_name(...)",
            )
        if any(t.source is source for t in self.triggers):
            raise where.fail("source", f"{source.label} {source.name} is already a source of {self.name}")
        trigger: Trigger
        if isinstance(source, (KinesisStream, DynamoDBTable)):
            _reject_unknown(where, options, PULL_OPTIONS, f"a {source.label} source")
            trigger = _pull_trigger(where, self, source, options)
        elif isinstance(source, SnsTopic):
            _reject_unknown(where, options, SNS_OPTIONS, "an SNS topic source")
            trigger = _sns_trigger(where, self, source, filter_policy, filter_policy_scope)
        else:
            _reject_unknown(where, options, S3_OPTIONS, "an S3 bucket source")
            trigger = _s3_trigger(where, self, source, events, prefix, suffix)
        stack._adopt(source)
        stack._claim(trigger.id_owner, trigger.name, f"the trigger {source.name} -> {self.name}", where, bare=False)
        self.triggers.append(trigger)
        return trigger


def _whole(w: _Where, fld: str, value: object, allowed: Sequence[int]) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise w.fail(fld, f"{value!r} is not a whole number; allowed: {', '.join(map(str, allowed))}")
    return value


def _code_path(w: _Where, base: Path, code: object) -> Path:
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


def _environment(w: _Where, env: object) -> dict[str, str]:
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


def _policies(w: _Where, policies: object) -> tuple[Mapping[str, Any], ...]:
    """Extra statements, held to the same least privilege as generated ones: no `*` or `service:*` actions,
    and a `*` resource only for actions that IAM cannot scope to a resource (per cfn-lint's IAM data)."""
    if isinstance(policies, (str, Mapping)) or not isinstance(policies, Sequence):
        raise w.fail("policies", f"{policies!r} is not allowed; allowed: a list of IAM statement dicts")
    return tuple(_statement(w, st) for st in policies)


def _statement(w: _Where, st: object) -> dict[str, Any]:
    shape = "{'Action': ['s3:GetObject'], 'Resource': ['arn:aws:s3:::bucket/*']}"
    if not isinstance(st, Mapping) or not all(isinstance(k, str) for k in st):
        raise w.fail("policies", f"{st!r} is not allowed; allowed: a dict like {shape}")
    _reject_unknown(w, st, ("Effect", "Action", "Resource", "Condition", "Sid"), "an IAM statement")
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
        _check_placeholders(w, "policies", r)
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


def _condition(w: _Where, condition: object) -> dict[str, dict[str, Any]]:
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
        _json(w, "policies", values)
        out[op] = dict(values)
    return out


def _layers(w: _Where, layers: object) -> tuple[str, ...]:
    if isinstance(layers, str) or not isinstance(layers, Sequence) or len(layers) > 5:
        raise w.fail("layers", f"{layers!r} is not allowed; allowed: a list of at most 5 layer version ARNs")
    return tuple(w.arn("layers", arn, ("layer",)) for arn in layers)
