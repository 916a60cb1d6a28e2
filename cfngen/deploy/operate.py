"""Operating deployed stacks: invoke functions, and enable or disable event source mappings and EventBridge rules.

Enable/disable is a stack update with the previous template and every other parameter's previous value,
changing only the mappings' and rules' Enabled parameters: the stack never drifts from its template, and nothing
is re-rendered or re-packaged. The Lambda API then confirms each mapping's state, EventBridge each rule's.
"""

from __future__ import annotations

import base64
import datetime as dt
import difflib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from cfngen import names
from cfngen.deploy import awserrors, eventrules
from cfngen.deploy.events import EventStream, Io, delays, wait
from cfngen.deploy.stacks import capabilities, deployed_template, require, stack_resources
from cfngen.errors import OperationFailed, UsageError

if TYPE_CHECKING:
    from mypy_boto3_cloudformation.type_defs import ParameterTypeDef
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_lambda.literals import InvocationTypeType
    from mypy_boto3_lambda.type_defs import InvocationRequestTypeDef

    from cfngen.deploy.session import AwsClients

CONFIRM_LIMIT = 300.0  # seconds to wait for mappings to reach their state when no --timeout is given


def functions(aws: AwsClients, stack: str) -> dict[str, str]:
    """Function name (as in the spec) -> what to invoke, from the stack's resources: the physical name, qualified
    with the alias (`name:live`) when the function has one (alias=), as its triggers invoke it."""
    cfn = aws.client("cloudformation")
    require(cfn, stack, hint="deploy it first: cfngen deploy " + stack)
    resources = stack_resources(cfn, stack)
    found = {
        names.function.stem(str(r["LogicalResourceId"])): str(r["PhysicalResourceId"])
        for r in resources
        if r.get("ResourceType") == "AWS::Lambda::Function" and r.get("PhysicalResourceId")
    }
    for r in resources:  # an alias's physical id is its ARN, ...:function:<name>:<alias>
        fn = names.alias.stem(str(r["LogicalResourceId"]))
        if r.get("ResourceType") == "AWS::Lambda::Alias" and fn in found and r.get("PhysicalResourceId"):
            found[fn] += ":" + str(r["PhysicalResourceId"]).rsplit(":", 1)[-1]
    return found


def resolve_function(aws: AwsClients, stack: str, name: str | None) -> str:
    found = functions(aws, stack)
    if name is None:
        if len(found) == 1:
            return next(iter(found.values()))
        if not found:
            raise UsageError(f"stack {stack} has no functions")
        raise UsageError(f"stack {stack} has {len(found)} functions; name one: {', '.join(sorted(found))}")
    if name in found:
        return found[name]
    if name in found.values() or name in {v.split(":", 1)[0] for v in found.values()}:
        return name  # a physical name, qualified or not, is invoked as given
    near = difflib.get_close_matches(name, list(found), n=1)
    raise UsageError(
        f"stack {stack} has no function {name!r}; functions: {', '.join(sorted(found)) or '(none)'}",
        hint=f"did you mean {near[0]!r}?" if near else None,
    )


@dataclass(frozen=True)
class Invocation:
    function: str
    status_code: int
    payload: str
    function_error: str | None
    log_tail: str | None

    def parsed(self) -> Any:
        try:
            return json.loads(self.payload) if self.payload else None
        except ValueError:
            return self.payload


def invoke(
    aws: AwsClients,
    function: str,
    payload: bytes,
    *,
    invocation_type: InvocationTypeType = "RequestResponse",
    logs: bool = False,
) -> Invocation:
    request: InvocationRequestTypeDef = {
        "FunctionName": function,
        "InvocationType": invocation_type,
        "Payload": payload,
    }
    if logs and invocation_type == "RequestResponse":
        request["LogType"] = "Tail"
    # The real session's invoke client waits as long as a function may run (session.py); fakes have one client.
    invoke_client = getattr(aws, "invoke_client", None)
    client: LambdaClient = invoke_client() if invoke_client is not None else aws.client("lambda")
    response = client.invoke(**request)
    body = response.get("Payload")
    text = body.read().decode("utf-8", "replace") if body is not None else ""
    tail = response.get("LogResult")
    return Invocation(
        function=function,
        status_code=int(response.get("StatusCode", 0)),
        payload=text,
        function_error=response.get("FunctionError"),
        log_tail=base64.b64decode(tail).decode("utf-8", "replace") if tail else None,
    )


def contains(expected: Any, actual: Any) -> bool:
    """`expected` is a subset of `actual`: dict keys recursively, lists element-wise, other values equal."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and contains(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) <= len(actual)
            and all(contains(e, a) for e, a in zip(expected, actual, strict=False))
        )
    if isinstance(expected, bool) != isinstance(actual, bool):
        return False  # in Python True == 1; in JSON true and 1 differ
    return bool(expected == actual)


def mappings(aws: AwsClients, stack: str) -> dict[str, str]:
    """Mapping or rule name -> its Enabled parameter, read from the deployed template (not the local spec)."""
    return names.switches(deployed_template(aws.client("cloudformation"), stack))


def switch(
    aws: AwsClients, stack: str, wanted: Sequence[str], enabled: bool, io: Io, *, timeout: float | None
) -> dict[str, str]:
    """Set the named mappings and rules (all when none named) on or off; returns name -> state from Lambda
    ("Enabled", "Disabled") for a mapping, from EventBridge ("ENABLED", "DISABLED") for a rule."""
    cfn = aws.client("cloudformation")
    current = require(cfn, stack)
    available = mappings(aws, stack)
    unknown = [m for m in wanted if m not in available]
    if unknown or not available:
        raise UsageError(
            f"stack {stack} has no mapping or rule {', '.join(map(repr, unknown))}"
            if unknown
            else f"stack {stack} has no mappings or rules",
            hint=f"mappings and rules of {stack}: {', '.join(sorted(available)) or '(none)'}",
        )
    chosen = list(wanted) or sorted(available)
    value = "true" if enabled else "false"
    targets = {available[m] for m in chosen}
    template = deployed_template(cfn, stack)
    params = [
        _keep(p, value if p["ParameterKey"] in targets else None, template) for p in current.get("Parameters", [])
    ]
    token = io.token()
    since = io.now() - dt.timedelta(seconds=1)
    try:
        cfn.update_stack(
            StackName=stack,
            UsePreviousTemplate=True,
            Parameters=params,
            Capabilities=capabilities(template),
            ClientRequestToken=token,
        )
    except ClientError as exc:
        if not awserrors.is_no_changes(awserrors.message(exc)):
            raise OperationFailed(f"{stack}: update refused: {awserrors.message(exc)}") from exc
        io.echo(f"{stack}: parameters already {value}; checking the mappings and rules")
    else:
        status = wait(cfn, EventStream(cfn, stack, token, since), io, timeout=timeout)
        if status != "UPDATE_COMPLETE":
            raise OperationFailed(f"{stack}: update failed ({status})", hint=f"cfngen status {stack}")
    return _confirm(aws, stack, template, chosen, enabled, io, timeout)


def _keep(parameter: ParameterTypeDef, new: str | None, template: Mapping[str, Any]) -> ParameterTypeDef:
    """`new` for a switched parameter; every other one keeps its value, sent as DescribeStacks reports it
    rather than as UsePreviousValue: the same on AWS, and moto cannot resolve UsePreviousValue for a
    parameter left at its default (probe: test_use_previous_value_for_a_parameter_left_at_its_default_fails).
    A NoEcho value reads back as '****', so only those go as UsePreviousValue."""
    key = parameter["ParameterKey"]
    if new is not None:
        return {"ParameterKey": key, "ParameterValue": new}
    if str(template.get("Parameters", {}).get(key, {}).get("NoEcho", "")).lower() == "true":
        return {"ParameterKey": key, "UsePreviousValue": True}
    return {"ParameterKey": key, "ParameterValue": parameter.get("ParameterValue", "")}


def _confirm(
    aws: AwsClients,
    stack: str,
    template: Mapping[str, Any],
    chosen: Sequence[str],
    enabled: bool,
    io: Io,
    timeout: float | None,
) -> dict[str, str]:
    """EventBridge switches a rule at once: its state is read once. Lambda moves mappings through
    Enabling/Disabling: poll until each reports the wanted state."""
    resources = stack_resources(aws.client("cloudformation"), stack)  # after the update: moto renames a rule
    kinds = {name: logical for name, (_, logical) in names.switched(template).items() if name in chosen}
    rules = eventrules.locate(template, resources, stack)
    states: dict[str, str] = {}
    for name in chosen:
        if kinds.get(name) == names.rule(name):
            rule = rules.get(names.rule(name))
            found = None if rule is None else eventrules.describe(aws.client("events"), rule)
            states[name] = "MISSING" if found is None else str(found["state"])
    wanted_rule = "ENABLED" if enabled else "DISABLED"
    if any(s != wanted_rule for s in states.values()):
        raise OperationFailed(
            f"{stack}: rules did not reach {wanted_rule}: " + ", ".join(f"{m}={s}" for m, s in states.items()),
            hint=f"cfngen status {stack}",
        )
    pending = [m for m in chosen if m not in states]
    state = "Enabled" if enabled else "Disabled"
    return {**states, **_confirm_mappings(aws, stack, resources, pending, state, io, timeout)}


def _confirm_mappings(
    aws: AwsClients,
    stack: str,
    resources: Sequence[Mapping[str, Any]],
    chosen: Sequence[str],
    state: str,
    io: Io,
    timeout: float | None,
) -> dict[str, str]:
    if not chosen:
        return {}
    lam = aws.client("lambda")
    uuids = {names.mapping.stem(str(r["LogicalResourceId"])): r["PhysicalResourceId"] for r in resources
             if r.get("ResourceType") == "AWS::Lambda::EventSourceMapping"}  # fmt: skip
    # Lambda settles a mapping within seconds; without a --timeout, give up after CONFIRM_LIMIT rather than never.
    deadline = io.clock() + (CONFIRM_LIMIT if timeout is None else timeout)
    states: dict[str, str] = {}
    for delay in delays(io.rng):
        states = {m: str(lam.get_event_source_mapping(UUID=uuids[m])["State"]) for m in chosen}
        if all(s == state for s in states.values()):
            return states
        if any(s not in ("Enabling", "Disabling", "Updating", "Creating", state) for s in states.values()) or (
            io.clock() + delay > deadline
        ):
            break
        io.sleep(delay)
    raise OperationFailed(
        f"{stack}: mappings did not reach {state}: " + ", ".join(f"{m}={s}" for m, s in states.items()),
        hint=f"cfngen status {stack}",
    )
