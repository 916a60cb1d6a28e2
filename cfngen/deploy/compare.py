"""What a deploy would change: the deployed stack compared with what this deploy sends, before
CloudFormation is asked. Step 3 of the engine ("no-op") and all of `cfngen diff` rest on it.

A deployed stack records every parameter, defaults included, so defaults count as sent; a mapping's or rule's Enabled
parameter keeps its deployed value (set by `cfngen enable/disable`) unless --parameter sets it or the
definition's default changed, so neither a deploy nor a diff reports a kept switch as a change.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cfngen import names

if TYPE_CHECKING:
    from mypy_boto3_cloudformation.type_defs import StackTypeDef


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


def keep_deployed_switches(
    current: StackTypeDef,
    deployed_body: Mapping[str, Any],
    template: Mapping[str, Any],
    parameters: Mapping[str, str],
    explicit: Collection[str],
) -> tuple[dict[str, str], list[str]]:
    """A mapping's or rule's Enabled parameter keeps its deployed value (set by enable/disable) unless --parameter
    sets it or the spec's default changed; so a deploy never silently flips a mapping or rule back."""
    deployed = {p["ParameterKey"]: p.get("ParameterValue", "") for p in current.get("Parameters", [])}
    previous = deployed_body.get("Parameters", {})
    old_defaults = {k: str(v["Default"]) for k, v in previous.items() if "Default" in v}
    parameters = dict(parameters)
    notes = []
    for mapping, key in names.switches(template).items():
        if key in explicit or key not in deployed:
            continue
        default = str(template["Parameters"][key].get("Default"))
        if old_defaults.get(key) not in (None, default):
            notes.append(f"{mapping}: Enabled={default} (the spec's default changed)")
            parameters[key] = default
        elif deployed[key] != default:
            notes.append(f"{mapping}: keeping deployed Enabled={deployed[key]} (spec default {default})")
            parameters[key] = deployed[key]
    return parameters, notes


def differences(
    current: StackTypeDef | None,
    deployed_body: Mapping[str, Any] | None,
    template: Mapping[str, Any],
    parameters: Mapping[str, str],
    tags: Mapping[str, str],
) -> Differences:
    """Compare the deployed stack (None: there is none) with what this deploy sends. A deployed stack
    records every parameter, defaults included, so the defaults count as sent."""
    defaults = {k: str(v["Default"]) for k, v in template.get("Parameters", {}).items() if "Default" in v}
    sending = {**defaults, **parameters}
    if current is None:
        return Differences(
            exists=False,
            deployed_template=None,
            template_changed=True,
            parameters=_changes({}, sending),
            tags=_changes({}, tags),
        )
    deployed = {p["ParameterKey"]: p.get("ParameterValue") for p in current.get("Parameters", [])}
    deployed_tags = {t["Key"]: t["Value"] for t in current.get("Tags", [])}
    return Differences(
        exists=True,
        deployed_template=deployed_body,
        template_changed=deployed_body != template,
        parameters=_changes(deployed, sending),
        tags=_changes(deployed_tags, tags),
    )


def _changes(deployed: Mapping[str, str | None], sending: Mapping[str, str]) -> tuple[Change, ...]:
    keys = sorted(set(deployed) | set(sending))
    return tuple(Change(k, deployed.get(k), sending.get(k)) for k in keys if deployed.get(k) != sending.get(k))
