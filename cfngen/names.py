"""Logical ids, derived from the names users give, so committed templates diff readably.

Spec claims every id a resource will use when it is defined (so a clash is a SpecError at definition
time, not a troposphere error at build time); build uses the same functions to name what it emits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SUFFIXES: dict[str, tuple[str, ...]] = {
    "function": ("Function", "Role", "LogGroup", "CodeBucket", "CodeKey", "SourcesPolicy"),
    "kinesis": ("Stream",),
    "dynamodb": ("Table",),
    "sns": ("Topic",),
    "s3": ("Bucket", "BucketPolicy"),
    "pull": ("Mapping", "Enabled", "IsEnabled"),
    "sns-push": ("Permission", "Subscription"),
    "s3-push": ("Permission",),
}
OUTPUTS: dict[str, tuple[str, ...]] = {
    "function": ("FunctionName", "FunctionArn"),
    "kinesis": ("StreamName", "StreamArn"),
    "dynamodb": ("TableName", "TableStreamArn"),
    "sns": ("TopicArn",),
    "s3": ("BucketName",),
    "pull": ("MappingId",),
}


def ids(kind: str, name: str) -> list[str]:
    """Every logical id (resources, parameters, conditions, outputs) a resource of `kind` uses."""
    return [name + s for s in SUFFIXES.get(kind, ())] + [f"Outputs.{name}{s}" for s in OUTPUTS.get(kind, ())]


def enabled_parameter(mapping: str) -> str:
    return f"{mapping}Enabled"


def switches(template: Mapping[str, Any]) -> dict[str, str]:
    """Mapping name -> the parameter that switches it, in a rendered or deployed template.

    A parameter is a switch only when the mapping it names exists: a user's own `LoggingEnabled` is not.
    """
    resources = template.get("Resources", {})
    return {
        key.removesuffix("Enabled"): key
        for key in template.get("Parameters", {})
        if key.endswith("Enabled") and f"{key.removesuffix('Enabled')}Mapping" in resources
    }
