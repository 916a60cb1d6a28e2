"""What a deploy would change: the deployed stack compared with what this deploy sends, before
CloudFormation is asked. Step 3 of the engine ("no-op") and all of `cfngen diff` rest on it.

A deployed stack records every parameter, defaults included, so defaults count as sent. A parameter the deploy is
not given keeps its deployed value (`keep_deployed`): a mapping's or rule's Enabled switch set by `cfngen
enable/disable` (unless the definition's default changed), a stack parameter set once with `--parameter`; so
neither a deploy nor a diff reports a kept value as a change, and the notes say what was kept.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cfngen import awsdata, names
from cfngen.deploy.changeset import Row
from cfngen.errors import UsageError

if TYPE_CHECKING:
    from mypy_boto3_cloudformation.type_defs import ParameterTypeDef, StackTypeDef


@dataclass(frozen=True)
class Change:
    """One value a deploy would change: None on the left is "not set now", on the right "removed"."""

    key: str
    deployed: str | None
    deploying: str | None


@dataclass(frozen=True)
class Differences:
    """How what a deploy would send differs from what is deployed, before CloudFormation is asked.

    `parameters` compares each deployed value with the one the deploy sends, defaults included and the
    mapping switches deploy keeps already kept; `tags` likewise. Empty, with an identical template, means
    "up to date".
    """

    exists: bool
    deployed_template: Mapping[str, Any] | None  # None when the stack does not exist
    template_changed: bool
    parameters: tuple[Change, ...] = ()
    tags: tuple[Change, ...] = ()

    @property
    def any(self) -> bool:
        return not self.exists or self.template_changed or bool(self.parameters) or bool(self.tags)


# How CloudFormation shows a NoEcho parameter's value in DescribeStacks (moto shows the value itself).
MASKED = "****"


def keep_deployed(
    current: StackTypeDef,
    deployed_body: Mapping[str, Any],
    template: Mapping[str, Any],
    parameters: Mapping[str, str],
    explicit: Collection[str],
) -> tuple[dict[str, str], list[str]]:
    """The values a deploy sends for the parameters it is not given (`parameters` holds the code keys, imports and
    --parameter values), so that nothing set once silently goes back to a default, as `aws cloudformation deploy`
    and rain keep previous values:

    - a mapping's or rule's Enabled switch keeps its deployed value (set by enable/disable) unless the spec's
      default changed;
    - a stack parameter deployed with a value other than its default (set by `--parameter`) keeps it; one deployed
      at its default follows the default (a changed default is a change the diff shows). A kept value the template
      no longer allows is refused: --parameter must choose. A NoEcho value reads back as MASKED: it is kept as it
      is (sent as UsePreviousValue, `sent`).
    """
    deployed = {p["ParameterKey"]: p.get("ParameterValue", "") for p in current.get("Parameters", [])}
    previous = deployed_body.get("Parameters", {})
    old_defaults = {k: str(v["Default"]) for k, v in previous.items() if "Default" in v}
    declared: Mapping[str, Mapping[str, Any]] = template.get("Parameters", {})
    parameters = dict(parameters)
    notes = []
    switches = {key: mapping for mapping, key in names.switches(template).items()}
    for key, spec in declared.items():
        if key in explicit or key in parameters or key not in deployed:
            continue
        default = None if "Default" not in spec else str(spec["Default"])
        value = deployed[key]
        if key in switches:
            if old_defaults.get(key) not in (None, default):
                notes.append(f"{switches[key]}: Enabled={default} (the spec's default changed)")
                parameters[key] = str(default)
            elif value != default:
                notes.append(f"{switches[key]}: keeping deployed Enabled={value} (spec default {default})")
                parameters[key] = value
            continue
        masked = _no_echo(spec) and value == MASKED
        if not masked and key in old_defaults and value == old_defaults[key]:
            continue  # deployed at its default: the (maybe new) default applies
        if value == default:
            continue
        allowed = [str(v) for v in spec.get("AllowedValues", [])]
        if allowed and not masked and value not in allowed:
            raise UsageError(
                f"parameter {key}: the deployed value {value!r} is no longer allowed (allowed: {', '.join(allowed)})",
                hint=f"choose one with --parameter {key}=VALUE",
            )
        shown = "(NoEcho)" if _no_echo(spec) else repr(value)
        notes.append(f"{key}: keeping deployed value {shown} (spec default {default!r}; --parameter {key}=... sets it)")
        parameters[key] = value
    return parameters, notes


def _no_echo(spec: Mapping[str, Any]) -> bool:
    return str(spec.get("NoEcho", "")).lower() == "true"


def sent(parameters: Mapping[str, str], template: Mapping[str, Any]) -> list[ParameterTypeDef]:
    """The Parameters of a change set, sorted: a NoEcho value kept as CloudFormation masks it goes as UsePreviousValue
    (AWS only: moto shows NoEcho values, and cannot resolve UsePreviousValue for a parameter left at its default,
    probe test_use_previous_value_for_a_parameter_left_at_its_default_fails)."""
    declared = template.get("Parameters", {})
    return [
        {"ParameterKey": k, "UsePreviousValue": True}
        if v == MASKED and _no_echo(declared.get(k, {}))
        else {"ParameterKey": k, "ParameterValue": v}
        for k, v in sorted(parameters.items())
    ]


def differences(
    current: StackTypeDef | None,
    deployed_body: Mapping[str, Any] | None,
    template: Mapping[str, Any],
    parameters: Mapping[str, str],
    tags: Mapping[str, str],
) -> Differences:
    """Compare the deployed stack (None: there is none) with what this deploy sends. A deployed stack
    records every parameter, defaults included, so the defaults count as sent."""
    declared = template.get("Parameters", {})
    defaults = {k: str(v["Default"]) for k, v in declared.items() if "Default" in v}
    sending = {**defaults, **parameters}
    hidden = {k for k, v in declared.items() if _no_echo(v)}
    if current is None:
        return Differences(
            exists=False,
            deployed_template=None,
            template_changed=True,
            parameters=_changes({}, sending, hidden),
            tags=_changes({}, tags),
        )
    deployed = {p["ParameterKey"]: p.get("ParameterValue") for p in current.get("Parameters", [])}
    deployed_tags = {t["Key"]: t["Value"] for t in current.get("Tags", [])}
    return Differences(
        exists=True,
        deployed_template=deployed_body,
        template_changed=deployed_body != template,
        parameters=_changes(deployed, sending, hidden),
        tags=_changes(deployed_tags, tags),
    )


def _changes(
    deployed: Mapping[str, str | None], sending: Mapping[str, str], hidden: Collection[str] = ()
) -> tuple[Change, ...]:
    """Each key whose value differs; NoEcho values (`hidden`) shown as CloudFormation shows them."""
    keys = sorted(set(deployed) | set(sending))

    def shown(key: str, value: str | None) -> str | None:
        return MASKED if key in hidden and value is not None else value

    return tuple(
        Change(k, shown(k, deployed.get(k)), shown(k, sending.get(k)))
        for k in keys
        if deployed.get(k) != sending.get(k)
    )


def replacements(
    rows: Sequence[Row], deployed: Mapping[str, Any] | None, template: Mapping[str, Any]
) -> tuple[Row, ...]:
    """Change-set rows, a Modify that carries no Replacement (moto's never do: probe
    test_change_set_rows_carry_no_replacement) marked as one when the template changes a property CloudFormation can
    only set on a new resource (its type's createOnlyProperties, `awsdata.create_only`: a fixed `FunctionName`,
    `QueueName`, `TableName`...). AWS's own Replacement is kept as it is."""
    before = (deployed or {}).get("Resources", {})
    after = template.get("Resources", {})

    def replaced(logical_id: str) -> bool:
        old, new = before.get(logical_id), after.get(logical_id)
        if not isinstance(old, Mapping) or not isinstance(new, Mapping) or old.get("Type") != new.get("Type"):
            return False
        return any(
            _at(old.get("Properties", {}), path) != _at(new.get("Properties", {}), path)
            for path in awsdata.create_only(str(new.get("Type")))
        )

    return tuple(
        dataclasses.replace(row, replacement="True")
        if row.action == "Modify" and not row.replacement and replaced(row.logical_id)
        else row
        for row in rows
    )


def _at(properties: Any, path: Sequence[str]) -> Any:
    for part in path:
        if not isinstance(properties, Mapping):
            return None
        properties = properties.get(part)
    return properties
