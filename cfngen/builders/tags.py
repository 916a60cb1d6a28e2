"""Tags on every taggable resource: one pass over the built template (`add_tags`), after every builder ran.

`Stack(..., tags=...)` goes on each resource whose type takes tags, a function's own `tags=` on the resources the
function owns (its function, role and log group; names.py says which ids those are), the function's winning on
a shared key. Which types take tags, and in which shape, is the table below, written from cfn-lint's resource
schemas (their `Tags` property) and checked against them in tests/unit/test_tags.py: most take a list of
`{Key, Value}`, a few a map. Types without `Tags` are listed too, so a new resource type a builder starts to emit
must be classified (the test fails until it is). Tags are sorted by key: templates stay deterministic.
"""

from __future__ import annotations

from collections.abc import Mapping

from troposphere import Template

from cfngen import names
from cfngen.definitions import Stack
from cfngen.names import Owner

# Resource type -> the shape of its Tags property in CloudFormation ("list": [{Key, Value}], "map": {key: value}).
TAGGABLE: dict[str, str] = {
    "AWS::DynamoDB::Table": "list",
    "AWS::Events::EventBus": "list",
    "AWS::Events::Rule": "list",
    "AWS::IAM::Role": "list",
    "AWS::Kinesis::Stream": "list",
    "AWS::Kinesis::StreamConsumer": "list",
    "AWS::Lambda::EventSourceMapping": "list",
    "AWS::Lambda::Function": "list",
    "AWS::Logs::LogGroup": "list",
    "AWS::S3::Bucket": "list",
    "AWS::SNS::Topic": "list",
    "AWS::SQS::Queue": "list",
    "AWS::SSM::Parameter": "map",
}
# Types cfngen emits whose CloudFormation resource has no Tags.
UNTAGGABLE = frozenset(
    {
        "AWS::IAM::Policy",
        "AWS::Lambda::Alias",
        "AWS::Lambda::EventInvokeConfig",
        "AWS::Lambda::Permission",
        "AWS::Lambda::Version",
        "AWS::S3::BucketPolicy",
        "AWS::SNS::Subscription",
        "AWS::SQS::QueuePolicy",
    }
)


def shaped(shape: str, tags: Mapping[str, str]) -> object:
    """Tags in a type's shape, sorted by key."""
    if shape == "map":
        return {k: tags[k] for k in sorted(tags)}
    return [{"Key": k, "Value": tags[k]} for k in sorted(tags)]


def add_tags(t: Template, stack: Stack) -> None:
    """The stack's tags on every taggable resource of `t`; each function's own on the resources it owns."""
    owned: dict[str, Mapping[str, str]] = {}
    for fn in stack.functions:
        for logical_id in names.ids(Owner.FUNCTION, fn.name):
            owned[logical_id] = fn.tags
    for logical_id, resource in t.resources.items():
        shape = TAGGABLE.get(resource.resource_type)
        tags = {**stack.tags, **owned.get(logical_id, {})}
        if shape is None or not tags:
            continue
        resource.properties["Tags"] = shaped(shape, tags)
