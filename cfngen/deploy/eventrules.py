"""Deployed EventBridge rules: where each one is (its name and bus) and what EventBridge says of it.

A rule's physical id is its name on the default bus and `<bus>|<name>` on another one (AWS); moto gives the bare
name on every bus (tests/integration/test_sources.py reads rules by it), so the bus also comes from the deployed
template: a literal `EventBusName`, or `Fn::GetAtt <Bus>.Name` of the stack's own bus (builders/rules.py).
Shared by `cfngen status` and `cfngen enable/disable`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from cfngen import names
from cfngen.deploy import awserrors

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient


@dataclass(frozen=True)
class Located:
    logical_id: str
    name: str  # the rule's name, what the EventBridge API takes
    bus: str

    @property
    def rule(self) -> str:
        """The name in the spec: a stack's rule ("Nightly"), or an S3 route's trigger ("WorkerUploads")."""
        return names.rule.stem(self.logical_id)


def locate(template: Mapping[str, Any], resources: Iterable[Mapping[str, Any]], stack: str) -> dict[str, Located]:
    """Logical id -> the rule's name and bus, for each rule of the stack that has a physical id."""
    found = {}
    for res in resources:
        logical, physical = str(res.get("LogicalResourceId", "")), str(res.get("PhysicalResourceId") or "")
        if res.get("ResourceType") != "AWS::Events::Rule" or not physical:
            continue
        bus, _, name = physical.rpartition("|")
        found[logical] = Located(logical, name, bus or _bus(template, logical, stack))
    return found


def _bus(template: Mapping[str, Any], logical: str, stack: str) -> str:
    resources = template.get("Resources", {})
    given = resources.get(logical, {}).get("Properties", {}).get("EventBusName")
    if isinstance(given, str):
        return given
    if isinstance(given, Mapping) and "Fn::GetAtt" in given:  # the stack's own bus: its Name property
        name = resources.get(given["Fn::GetAtt"][0], {}).get("Properties", {}).get("Name")
        if isinstance(name, Mapping) and isinstance(name.get("Fn::Sub"), str):
            name = name["Fn::Sub"].replace("${AWS::StackName}", stack)
        if isinstance(name, str):
            return name
    return "default"


def describe(events: EventBridgeClient, rule: Located) -> dict[str, Any] | None:
    """The rule as EventBridge has it, with its targets' ARNs; None when it is gone."""
    try:
        found = events.describe_rule(Name=rule.name, EventBusName=rule.bus)
        targets = events.list_targets_by_rule(Rule=rule.name, EventBusName=rule.bus).get("Targets", [])
    except ClientError as exc:
        if awserrors.is_resource_missing(exc):
            return None
        raise
    return {
        "state": found.get("State"),
        "schedule": found.get("ScheduleExpression"),
        "pattern": found.get("EventPattern"),
        "targets": [str(t.get("Arn", "")) for t in targets],
    }


def s3_buckets(pattern: str | None) -> list[str]:
    """The buckets an S3 route's pattern matches (source aws.s3, detail.bucket.name, in `$or` alternatives too)."""
    try:
        parsed = json.loads(pattern or "{}")
    except ValueError:
        return []
    if not isinstance(parsed, dict) or parsed.get("source") != ["aws.s3"]:
        return []
    out: list[str] = []
    for alternative in [parsed, *parsed.get("$or", [])]:
        for name in alternative.get("detail", {}).get("bucket", {}).get("name", []):
            if isinstance(name, str) and name not in out:
                out.append(name)
    return out
