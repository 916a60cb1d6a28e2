"""The checks on a function's extra IAM statements (`policies=`): held to the same least privilege as generated ones.

An action pattern is judged by what it matches in IAM's action list (cfn-lint's data, `awsdata.expand`, IAM's
glob rules: `*` any run, `?` one character, case-insensitive), not by how it is written: `iam:**` and `s3:?*` are
`iam:*` and `s3:*`. An Allow may use a pattern only when it matches some but not all of a service's actions and
every one of them is a read; a write or permissions-management action must be spelled out. A resource with no
scope (region, account and resource all wildcards, or empty where the service has none) counts as `*`, which
only actions IAM cannot scope to a resource may have.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from cfngen import awsdata
from cfngen.definitions.checks import Where
from cfngen.definitions.refs import Reference, check_value
from cfngen.definitions.refs import sample as sample_text

SHAPE = "{'Action': ['s3:GetObject'], 'Resource': ['arn:aws:s3:::bucket/*']}"
_ACTION = re.compile(r"[a-z0-9-]+:[A-Za-z0-9*?]+")
_WILDCARDS = re.compile(r"[*?]*")
_SHOWN = 4  # how many matched actions a refusal names


def check_policies(w: Where, policies: object) -> tuple[Mapping[str, Any], ...]:
    """Extra statements, held to the same least privilege as generated ones (see the module docstring)."""
    if isinstance(policies, (str, Mapping)) or not isinstance(policies, Sequence):
        raise w.fail("policies", f"{policies!r} is not allowed; allowed: a list of IAM statement dicts")
    return tuple(_statement(w, st) for st in policies)


def unscoped(resource: str) -> bool:
    """Whether an ARN pattern names no scope at all: `*`, `arn:*:*:*:*:*`, `arn:aws:iam::*:*`, `arn:aws:s3:::*`.

    The region and account may be wildcards or empty (global services, S3); the resource part is wildcards only.
    """
    for placeholder, sample in (("${AWS::Partition}", "aws"), ("${AWS::Region}", "region"), ("${AWS::AccountId}", "0")):
        resource = resource.replace(placeholder, sample)  # their "::" would split the ARN
    if _WILDCARDS.fullmatch(resource):
        return True
    parts = resource.split(":", 5)
    if parts[0] != "arn":
        return False
    if len(parts) < 6:  # "arn:*", "arn:aws:*": a trailing wildcard runs over the missing parts
        return parts[-1] != "" and bool(_WILDCARDS.fullmatch(parts[-1]))
    region, account, rest = parts[3:]
    return all(_WILDCARDS.fullmatch(p) for p in (region, account)) and rest != "" and bool(_WILDCARDS.fullmatch(rest))


def _statement(w: Where, st: object) -> dict[str, Any]:
    if not isinstance(st, Mapping) or not all(isinstance(k, str) for k in st):
        raise w.fail("policies", f"{st!r} is not allowed; allowed: a dict like {SHAPE}")
    w.reject_unknown(st, ("Effect", "Action", "Resource", "Condition", "Sid"), "an IAM statement")
    effect = st.get("Effect", "Allow")
    if effect not in ("Allow", "Deny"):
        raise w.fail("policies", f"Effect {st.get('Effect')!r} is not allowed; allowed: Allow, Deny")
    if "Sid" in st and not (isinstance(st["Sid"], str) and re.fullmatch(r"[A-Za-z0-9]+", st["Sid"])):
        raise w.fail("policies", f"Sid {st['Sid']!r} is not allowed; allowed: letters and digits")
    actions = st.get("Action")
    actions = [actions] if isinstance(actions, str) else actions
    if not isinstance(actions, (list, tuple)) or not actions:
        raise w.fail("policies", f"Action {st.get('Action')!r} is not allowed; allowed: a list like {SHAPE}")
    for action in actions:
        _action(w, action, allow=effect == "Allow")
    resources = st.get("Resource")
    resources = [resources] if isinstance(resources, (str, Reference)) else resources
    if not isinstance(resources, (list, tuple)) or not resources:
        raise w.fail("policies", f"Resource {st.get('Resource')!r} is not allowed; allowed: a list of ARNs "
                     "(strings, or references such as table.arn)")  # fmt: skip
    resources = [check_value(w, "policies", r) for r in resources]  # another stack's values: imported
    for r in resources:
        if isinstance(r, str):
            w.placeholders("policies", r)
    if effect == "Allow":  # a reference names one resource of the stack, or an ARN written out
        _resources(w, actions, [r if isinstance(r, str) else sample_text(r) for r in resources])
    out: dict[str, Any] = {"Effect": effect, "Action": list(actions), "Resource": list(resources)}
    if "Condition" in st:
        out["Condition"] = _condition(w, st["Condition"])
    if "Sid" in st:
        out["Sid"] = st["Sid"]
    return out


def _action(w: Where, action: object, *, allow: bool) -> None:
    """A pattern refused by what it matches; an exact action is the user's explicit choice."""
    if not isinstance(action, str) or not _ACTION.fullmatch(action):
        raise w.fail("policies", f"action {action!r} is not allowed; allowed: service:Action")
    if not ("*" in action or "?" in action):
        return
    service = action.partition(":")[0]
    matched = awsdata.expand(action)
    if not matched:
        raise w.fail(
            "policies",
            f"action {action!r} matches no {service} action IAM knows; allowed: exact actions, or a pattern "
            "matching some of a service's read actions",
            hint="check the spelling of the service and action",
        )
    if not allow:
        return  # a Deny may be as wide as it likes
    every = len(awsdata.service_actions(service))
    if len(matched) == every:
        raise w.fail(
            "policies",
            f"action {action!r} grants every action of the service ({_listed(matched)}); allowed: the exact actions "
            "the function needs, or a pattern matching only read actions (e.g. s3:GetObject*)",
            hint="least privilege: name each action",
        )
    writes = [a for a in matched if not awsdata.is_read(a)]
    if writes:
        raise w.fail(
            "policies",
            f"action {action!r} matches actions that write or change permissions ({_listed(writes)}); allowed: a "
            "pattern matching only read actions (Get, List, Describe...), and each other action spelled out",
            hint="least privilege: name each write action the function needs",
        )


def _resources(w: Where, actions: Sequence[str], resources: Sequence[str]) -> None:
    wide = [r for r in resources if unscoped(r)]
    if not wide:
        return
    scoped = [a for a in actions if awsdata.action_takes_resources(a)]
    if scoped:
        shown = "'*'" if wide == ["*"] else f"{', '.join(map(repr, wide))} (no scope: the same as '*')"
        raise w.fail(
            "policies",
            f"Resource {shown} with {', '.join(scoped)}: these actions can be scoped; allowed: their exact ARNs",
            hint="'*' is accepted only for actions IAM cannot scope to a resource (e.g. xray:PutTraceSegments)",
        )


def _listed(actions: Sequence[str]) -> str:
    """`n actions: a, b, c, d, ...`, spelled as IAM does where awacs knows the spelling."""
    service = actions[0].partition(":")[0]
    spelled = awsdata.display_names(service)
    names = [f"{service}:{spelled.get(a.partition(':')[2], a.partition(':')[2])}" for a in actions[:_SHOWN]]
    more = ", ..." if len(actions) > _SHOWN else ""
    return f"{len(actions)} action{'s' if len(actions) != 1 else ''}: {', '.join(names)}{more}"


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
