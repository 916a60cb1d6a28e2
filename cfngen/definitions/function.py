"""A Lambda function, `add_event_source` that wires a source to it, and the checks on its fields.

`Stack.function(...)` claims the function's ids, then `define_function` runs the field checks below, so a
Function only ever holds normalised values: a resolved code path, a sorted environment, least-privilege
policy statements. FUNCTION_OPTIONS, the names `stack.function` accepts, are the Function's own fields.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Unpack

from cfngen import awsdata
from cfngen.definitions.buckets import S3Bucket
from cfngen.definitions.checks import LOG_RETENTION_DAYS, PLACEHOLDERS, RESERVED_ENV, Where
from cfngen.definitions.grants import Grant
from cfngen.definitions.parameters import used
from cfngen.definitions.policies import check_policies
from cfngen.definitions.queues import SqsQueue, check_remote_consumer
from cfngen.definitions.refs import Reference, Value, check_value, sample
from cfngen.definitions.rules import EventBus, EventRule
from cfngen.definitions.sources import DynamoDBTable, KinesisStream, SnsTopic, Source
from cfngen.definitions.tags import check_tags
from cfngen.definitions.triggers import EVENT_SOURCE_OPTIONS, EventSourceOptions, Trigger, new_trigger
from cfngen.definitions.vpc import Vpc

if TYPE_CHECKING:
    from cfngen.definitions.stack import Stack

# Where Lambda sends the outcome of an asynchronous invocation: an ARN (SQS, SNS, Lambda, EventBridge bus) or a
# queue, topic or bus of this stack.
Destination = str | SnsTopic | SqsQueue | EventBus
DESTINATION_KINDS = ("sqs", "sns", "lambda", "events")


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
    environment: Mapping[str, Value] = field(default_factory=dict)  # strings or references (definitions/refs.py)
    description: str | None = None
    reserved_concurrency: int | None = None
    log_retention_days: int = 30
    policies: tuple[Mapping[str, Any], ...] = ()
    tracing: str | None = None
    dead_letter_arn: str | None = None
    layers: tuple[str, ...] = ()
    kms_key: str | None = None  # a customer-managed key for the environment and the log group
    # where Lambda sends asynchronous invocations that failed every retry
    on_failure: Destination | None = None
    function_name: Value | None = None  # a fixed physical name; None: CloudFormation generates one
    on_success: Destination | None = None  # where Lambda sends asynchronous invocations that succeeded
    max_event_age_seconds: int | None = None  # how long an asynchronous event may wait (Lambda: 6 hours)
    max_retry_attempts: int | None = None  # retries of a failed asynchronous invocation (Lambda: 2)
    alias: str | None = None  # a Version published per code change and this alias on it; triggers target the alias
    provisioned_concurrency: int | None = None  # on the alias
    tags: Mapping[str, str] = field(default_factory=dict)  # added to the stack's on its function, role and log group
    vpc: Vpc | None = None  # the subnets and security groups it runs in
    triggers: list[Trigger] = field(default_factory=list)
    grants: list[Grant] = field(default_factory=list)  # from table.grant_read(fn) and the like

    def add_event_source(self, source: Source, **options: Unpack[EventSourceOptions]) -> Trigger:
        """Wire `source` to this function: a mapping for streams and queues, permission + subscription for push,
        permission + target for EventBridge rules and schedules.

        The options are those of the source's trigger (cfngen.definitions.triggers): PULL_OPTIONS for
        Kinesis and DynamoDB, SQS_OPTIONS for SQS, SNS_OPTIONS for SNS, S3_OPTIONS for S3, RULE_OPTIONS for rules.
        """
        stack = self.stack
        stack._check_open()
        Where(stack, self.name).reject_unknown(options, EVENT_SOURCE_OPTIONS, "add_event_source")
        if not isinstance(source, (KinesisStream, DynamoDBTable, SqsQueue, SnsTopic, S3Bucket, EventRule)):
            raise Where(stack, self.name).fail(
                "source",
                f"{source!r} is not an event source; allowed: KinesisStream, DynamoDBTable, SqsQueue, SnsTopic, "
                "S3Bucket (from stack.kinesis_stream(...) etc. or .from_arn(...)), an EventBridge rule or schedule "
                "(stack.event_rule(...), stack.schedule(...))",
            )
        where = Where(stack, f"{self.name}<-{source.ident}")
        if isinstance(source, EventRule) and source.stack is not None and source.stack is not stack:
            raise where.fail(
                "source",
                f"{source.label} {source.ident} belongs to stack {source.stack.name}, which lists the rule's targets",
                hint="define the rule in this stack (a rule of another stack cannot target this function)",
            )
        if isinstance(source, SqsQueue) and source.stack is not None and source.stack is not stack:
            check_remote_consumer(where, source, self)
        source = stack.bind(source)
        if any(t.source is source for t in self.triggers):
            raise where.fail("source", f"{source.label} {source.ident} is already a source of {self.name}")
        given: Mapping[str, object] = options
        # In table order, not call order, so the checks (and which mistake is named first) do not depend on it.
        given = {name: given[name] for name in EVENT_SOURCE_OPTIONS if given.get(name) is not None}
        trigger = new_trigger(where, self, source, given)
        stack._adopt(source)
        stack._claim(trigger.id_owner, trigger.name, f"the trigger {source.ident} -> {self.name}", where, bare=False)
        self.triggers.append(trigger)
        return trigger


ENVIRONMENT_MAX_BYTES = 4096  # Lambda: the sum of every key and value, UTF-8 encoded
FUNCTION_OPTIONS = tuple(f.name for f in fields(Function) if f.name not in ("stack", "name", "triggers", "grants"))
FUNCTION_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")  # Lambda's FunctionName, when it is a name (not an ARN)
ALIAS_NAME = re.compile(r"(?!^[0-9]+$)[A-Za-z0-9_-]{1,128}")  # Lambda's alias Name: not all digits (a version)


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
    environment: Mapping[str, Value] | None,
    description: str | None,
    reserved_concurrency: int | None,
    log_retention_days: int,
    policies: Sequence[Mapping[str, Any]],
    tracing: str | None,
    dead_letter_arn: str | None,
    layers: Sequence[str],
    kms_key: str | None,
    on_failure: Destination | None,
    function_name: Value | None = None,
    on_success: Destination | None = None,
    max_event_age_seconds: int | None = None,
    max_retry_attempts: int | None = None,
    alias: str | None = None,
    provisioned_concurrency: int | None = None,
    tags: Mapping[str, str] | None = None,
    vpc: Vpc | None = None,
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
        policies=check_policies(w, policies),
        tracing=None if tracing is None else w.choice("tracing", tracing, ("Active", "PassThrough")),
        dead_letter_arn=None if dead_letter_arn is None else w.arn("dead_letter_arn", dead_letter_arn, ("sqs", "sns")),
        layers=_layers(w, layers),
        kms_key=None if kms_key is None else w.arn("kms_key", kms_key, ("kms-key",)),
        on_failure=None if on_failure is None else _destination(w, "on_failure", on_failure),
        function_name=None if function_name is None else _function_name(w, function_name),
        on_success=None if on_success is None else _destination(w, "on_success", on_success),
        max_event_age_seconds=None
        if max_event_age_seconds is None
        else w.int_range("max_event_age_seconds", max_event_age_seconds, 60, 21600),
        max_retry_attempts=None
        if max_retry_attempts is None
        else w.int_range("max_retry_attempts", max_retry_attempts, 0, 2),
        alias=None if alias is None else _alias(w, alias),
        provisioned_concurrency=_provisioned(w, provisioned_concurrency, alias, reserved_concurrency),
        tags=check_tags(w, "tags", {} if tags is None else tags, inherited=stack.tags),
        vpc=None if vpc is None else _vpc(w, vpc),
    )


def _alias(w: Where, alias: object) -> str:
    allowed = "1 to 128 letters, digits, '-' or '_', not only digits (that would be a version)"
    return w.text("alias", alias, max_len=128, pattern=ALIAS_NAME, allowed=allowed)


def _provisioned(w: Where, value: object, alias: object, reserved: object) -> int | None:
    """Provisioned concurrency lives on the alias, and never above the function's reserved concurrency."""
    if value is None:
        return None
    if alias is None:
        raise w.fail("provisioned_concurrency", f"{value!r} needs an alias: Lambda provisions an alias or a version; "
                     "allowed: provisioned_concurrency with alias=NAME", hint="add alias=\"live\"")  # fmt: skip
    checked = w.int_range("provisioned_concurrency", value, 1, 100000)
    if isinstance(reserved, int) and checked > reserved:
        raise w.fail("provisioned_concurrency", f"{checked} is above reserved_concurrency {reserved}; "
                     f"allowed: 1 to {reserved}")  # fmt: skip
    return checked


def _vpc(w: Where, vpc: object) -> Vpc:
    if not isinstance(vpc, Vpc):
        raise w.fail("vpc", f"{vpc!r} is not allowed; allowed: Vpc(subnet_ids=[...], security_group_ids=[...])")
    for value in (*vpc.subnet_ids, *vpc.security_group_ids):
        check_value(w, "vpc", value)
    return vpc


def _function_name(w: Where, value: object) -> Value:
    """A name Lambda accepts for every value its placeholders and parameters can take (parameters: each allowed
    value, else the default); references to resources are refused, their names are not known in advance."""
    checked = check_value(w, "function_name", value)
    if isinstance(checked, str):
        w.placeholders("function_name", checked)
    params = {p.name: p for p in used(w, checked)} if isinstance(checked, Reference) else {}
    choices = [{n: v for n, v in zip(params, combo, strict=True)} for combo in _combinations(params)]
    for chosen in choices:
        unknown: list[str] = []

        def stand_in(token: str, chosen: dict[str, str] = chosen, unknown: list[str] = unknown) -> str:
            if token in chosen:
                return chosen[token]
            unknown.append(token)
            return "x"

        text = sample(checked, stand_in)
        if unknown:
            raise w.fail("function_name", f"{value!r} names {unknown[0]}, whose value is not known before deploy; "
                         f"allowed: text, {', '.join(PLACEHOLDERS)} and stack parameters")  # fmt: skip
        if not FUNCTION_NAME.fullmatch(text):
            shown = f" (as {text!r}, with {chosen})" if chosen else ""
            raise w.fail("function_name", f"{value!r} is not allowed{shown}; allowed: 1 to 64 letters, digits, '-' "
                         "or '_', for every value of its placeholders and parameters")  # fmt: skip
    return checked


def _combinations(params: Mapping[str, Any]) -> list[tuple[str, ...]]:
    combos: list[tuple[str, ...]] = [()]
    for p in params.values():
        combos = [(*c, v) for c in combos for v in (p.samples() or ("",))]
    return combos


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


def _environment(w: Where, env: object) -> dict[str, Value]:
    if not isinstance(env, Mapping):
        raise w.fail("environment", f"{env!r} is not allowed; allowed: a dict of str to str")
    checked: dict[str, Value] = {}
    for key, value in env.items():
        if not isinstance(key, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]+", key):
            raise w.fail("environment", f"key {key!r} is not allowed; allowed: a letter then letters, digits, _ "
                         "(2 characters at least)")  # fmt: skip
        if RESERVED_ENV.fullmatch(key):
            raise w.fail("environment", f"key {key!r} is reserved by Lambda; allowed: any other name")
        if not isinstance(value, (str, Reference)):
            raise w.fail("environment", f"value of {key} is {value!r}; allowed: a string, or a reference such as "
                         "table.name, queue.url, topic.arn or a stack parameter")  # fmt: skip
        value = checked[key] = check_value(w, "environment", value)  # another stack's values: imported
        secret = [p.name for p in used(w, value) if p.no_echo] if isinstance(value, Reference) else []
        if secret:
            raise w.fail("environment", f"{key} holds parameter {secret[0]}, which is no_echo; Lambda shows "
                         "environment values to anyone who may read the function's configuration; allowed: "
                         "parameters without no_echo",
                         hint="keep it in Secrets Manager: pass Secret.from_arn(...).arn")  # fmt: skip
    out = {k: checked[k] for k in sorted(checked)}
    size = sum(len(_utf8(w, k, k)) + len(_utf8(w, k, sample(v))) for k, v in out.items())
    if size > ENVIRONMENT_MAX_BYTES:
        raise w.fail(
            "environment",
            f"is {size:,} bytes (keys and values in UTF-8, as Lambda counts); allowed: at most 4 KB "
            f"({ENVIRONMENT_MAX_BYTES:,} bytes) in all",
            hint="keep large settings in SSM Parameter Store or S3 and pass their names",
        )
    return out


def _destination(w: Where, fld: str, value: object) -> Destination:
    """An SQS queue, SNS topic, Lambda function or EventBridge bus ARN, or a queue, topic or bus of this stack (its
    reference orders the two), or an existing one (`from_arn`, kept with its customer-managed key; a bus by name
    becomes its ARN)."""
    if isinstance(value, (SnsTopic, SqsQueue)):  # another stack's: its ARN is imported; an existing one keeps its key
        return w.stack.bind(value)
    if isinstance(value, EventBus):
        if value.stack is not None and value.stack is not w.stack:
            raise w.fail(fld, f"event bus {value.name} belongs to stack {value.stack.name}",
                         hint="refer to it with EventBus.from_name(...) or its ARN")  # fmt: skip
        if value.stack is None:  # by name: its ARN in this account and region
            return f"arn:${{AWS::Partition}}:events:${{AWS::Region}}:${{AWS::AccountId}}:event-bus/{value.bus_name}"
        return value  # an existing queue or topic too: its kms_key, if any, is needed to send to it
    if not isinstance(value, str):
        raise w.fail(fld, f"{value!r} is not allowed; allowed: an SQS queue, SNS topic or event bus of this stack "
                     "(stack.sqs_queue(...) etc.), or an SQS, SNS, Lambda function or EventBridge bus ARN")  # fmt: skip
    return w.arn(fld, value, DESTINATION_KINDS)


def _utf8(w: Where, key: str, text: str) -> bytes:
    try:
        return text.encode()
    except UnicodeEncodeError as exc:  # a lone surrogate: no UTF-8 for it, and Lambda takes nothing else
        raise w.fail("environment", f"{key} holds {text!r}, which is not valid Unicode ({exc.reason}); "
                     "allowed: text UTF-8 can encode") from None  # fmt: skip


def _layers(w: Where, layers: object) -> tuple[str, ...]:
    if isinstance(layers, str) or not isinstance(layers, Sequence) or len(layers) > 5:
        raise w.fail("layers", f"{layers!r} is not allowed; allowed: a list of at most 5 layer version ARNs")
    return tuple(w.arn("layers", arn, ("layer",)) for arn in layers)
