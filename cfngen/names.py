"""Logical ids, derived from the names users give, so committed templates diff readably.

This module is the one home of every logical id the builders emit. Each is declared once below as a
`LogicalId`: the `Owner` that claims it (the kind of definition it belongs to), its suffix and its template
section. From those declarations come both sides:

- the definitions claim `ids(owner, name)` when a resource is defined, so a clash is a SpecError at
  definition time, not a troposphere error at build time;
- the builders and the deploy side spell ids with the same objects: `names.function("Fn")` is
  "FnFunction", `names.mapping.stem("FnClicksMapping")` is "FnClicks".

A new suffix is one more `_declare(...)` line; tests/unit/test_golden.py checks that every id in every
rendered template was claimed.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class Owner(enum.Enum):
    """What claims a family of logical ids in a stack's namespace (one per definition kind)."""

    FUNCTION = "function"
    KINESIS_STREAM = "kinesis"
    DYNAMODB_TABLE = "dynamodb"
    SNS_TOPIC = "sns"
    S3_BUCKET = "s3"
    PULL_TRIGGER = "pull"
    SNS_TRIGGER = "sns-push"
    S3_TRIGGER = "s3-push"
    SQS_QUEUE = "sqs"
    EVENT_BUS = "event-bus"
    EVENT_RULE = "event-rule"
    RULE_TRIGGER = "rule-target"
    PARAMETER = "parameter"  # stack.parameter(...): the parameter's logical id is its name
    # A value of another stack (`from orders import stream`, `KinesisStream.from_stack`): a parameter deploy fills
    # from that stack's output, named <ProducerStack><OutputKey> ("CfngenDemoOrdersOrdersStreamArn").
    IMPORT = "import"
    # Claim only the bare name: an existing source emits no resource, a created bucket's physical name
    # ("bucket <name>") is claimed so two buckets cannot render the same name.
    EXISTING_SOURCE = "existing"
    BUCKET_NAME = "physical"


class Section(enum.Enum):
    """The template section an id lives in. Outputs are a namespace of their own in CloudFormation."""

    RESOURCES = "Resources"
    PARAMETERS = "Parameters"
    CONDITIONS = "Conditions"
    OUTPUTS = "Outputs"


@dataclass(frozen=True)
class LogicalId:
    """One id an owner emits: `stem + suffix`, where the stem is the name the user gave (or a trigger's)."""

    owner: Owner
    suffix: str
    section: Section

    def __call__(self, stem: str) -> str:
        return stem + self.suffix

    def stem(self, logical_id: str) -> str:
        """The name an id was made from: `names.function.stem("FnFunction")` is "Fn"."""
        return logical_id.removesuffix(self.suffix)


_DECLARED: list[LogicalId] = []


def _declare(owner: Owner, suffix: str, section: Section = Section.RESOURCES) -> LogicalId:
    declared = LogicalId(owner, suffix, section)
    _DECLARED.append(declared)
    return declared


# The order within an owner is the order `ids` claims them, which decides which id a clash message names.
function = _declare(Owner.FUNCTION, "Function")
role = _declare(Owner.FUNCTION, "Role")
log_group = _declare(Owner.FUNCTION, "LogGroup")
code_bucket = _declare(Owner.FUNCTION, "CodeBucket", Section.PARAMETERS)
code_key = _declare(Owner.FUNCTION, "CodeKey", Section.PARAMETERS)
sources_policy = _declare(Owner.FUNCTION, "SourcesPolicy")
event_invoke_config = _declare(Owner.FUNCTION, "EventInvokeConfig")
function_name_output = _declare(Owner.FUNCTION, "FunctionName", Section.OUTPUTS)
function_arn_output = _declare(Owner.FUNCTION, "FunctionArn", Section.OUTPUTS)
# alias=: the version published from the code (replaced when <Fn>CodeSha256 changes) and the alias pointing at it
version = _declare(Owner.FUNCTION, "Version")
alias = _declare(Owner.FUNCTION, "Alias")
code_sha256 = _declare(Owner.FUNCTION, "CodeSha256", Section.PARAMETERS)
alias_arn_output = _declare(Owner.FUNCTION, "AliasArn", Section.OUTPUTS)

stream = _declare(Owner.KINESIS_STREAM, "Stream")
stream_name_output = _declare(Owner.KINESIS_STREAM, "StreamName", Section.OUTPUTS)
stream_arn_output = _declare(Owner.KINESIS_STREAM, "StreamArn", Section.OUTPUTS)

table = _declare(Owner.DYNAMODB_TABLE, "Table")
table_name_output = _declare(Owner.DYNAMODB_TABLE, "TableName", Section.OUTPUTS)
table_stream_arn_output = _declare(Owner.DYNAMODB_TABLE, "TableStreamArn", Section.OUTPUTS)
table_arn_output = _declare(Owner.DYNAMODB_TABLE, "TableArn", Section.OUTPUTS)

topic = _declare(Owner.SNS_TOPIC, "Topic")
topic_arn_output = _declare(Owner.SNS_TOPIC, "TopicArn", Section.OUTPUTS)
topic_name_output = _declare(Owner.SNS_TOPIC, "TopicName", Section.OUTPUTS)

bucket = _declare(Owner.S3_BUCKET, "Bucket")
bucket_policy = _declare(Owner.S3_BUCKET, "BucketPolicy")
bucket_name_output = _declare(Owner.S3_BUCKET, "BucketName", Section.OUTPUTS)

queue = _declare(Owner.SQS_QUEUE, "Queue")
dead_letter_queue = _declare(Owner.SQS_QUEUE, "DeadLetterQueue")
queue_policy = _declare(Owner.SQS_QUEUE, "QueuePolicy")
queue_url_output = _declare(Owner.SQS_QUEUE, "QueueUrl", Section.OUTPUTS)
queue_arn_output = _declare(Owner.SQS_QUEUE, "QueueArn", Section.OUTPUTS)
queue_name_output = _declare(Owner.SQS_QUEUE, "QueueName", Section.OUTPUTS)
dead_letter_queue_url_output = _declare(Owner.SQS_QUEUE, "DeadLetterQueueUrl", Section.OUTPUTS)

event_bus = _declare(Owner.EVENT_BUS, "EventBus")
event_bus_name_output = _declare(Owner.EVENT_BUS, "EventBusName", Section.OUTPUTS)
event_bus_arn_output = _declare(Owner.EVENT_BUS, "EventBusArn", Section.OUTPUTS)

rule = _declare(Owner.EVENT_RULE, "Rule")
rule_enabled = _declare(Owner.EVENT_RULE, "Enabled", Section.PARAMETERS)
rule_is_enabled = _declare(Owner.EVENT_RULE, "IsEnabled", Section.CONDITIONS)
rule_arn_output = _declare(Owner.EVENT_RULE, "RuleArn", Section.OUTPUTS)

rule_permission = _declare(Owner.RULE_TRIGGER, "Permission")

mapping = _declare(Owner.PULL_TRIGGER, "Mapping")
enabled = _declare(Owner.PULL_TRIGGER, "Enabled", Section.PARAMETERS)
is_enabled = _declare(Owner.PULL_TRIGGER, "IsEnabled", Section.CONDITIONS)
mapping_id_output = _declare(Owner.PULL_TRIGGER, "MappingId", Section.OUTPUTS)
consumer = _declare(Owner.PULL_TRIGGER, "Consumer")  # enhanced_fan_out=True: the mapping's stream consumer

sns_permission = _declare(Owner.SNS_TRIGGER, "Permission")
subscription = _declare(Owner.SNS_TRIGGER, "Subscription")

s3_permission = _declare(Owner.S3_TRIGGER, "Permission")
# An existing bucket's events through EventBridge (via="eventbridge"): a rule on the default bus with the same switch
# as the stack's rules; its permission is s3_permission (for events.amazonaws.com, scoped to this rule).
s3_rule = _declare(Owner.S3_TRIGGER, "Rule")
s3_rule_enabled = _declare(Owner.S3_TRIGGER, "Enabled", Section.PARAMETERS)
s3_rule_is_enabled = _declare(Owner.S3_TRIGGER, "IsEnabled", Section.CONDITIONS)

parameter = _declare(Owner.PARAMETER, "", Section.PARAMETERS)
imported = _declare(Owner.IMPORT, "", Section.PARAMETERS)

# Template Metadata key of a consumer's imports: {parameter: {"Stack": producer, "Output": output key}}. Deploy
# reads it from the reviewed template to order stacks and fill the parameters (deploy/imports.py).
IMPORTS_METADATA = "cfngen:imports"

DECLARED: tuple[LogicalId, ...] = tuple(_DECLARED)


def ids(owner: Owner, name: str) -> list[str]:
    """Every logical id (resources, parameters, conditions, then outputs) an `owner` named `name` uses.

    Outputs are claimed as "Outputs.<id>": CloudFormation keeps them apart from the other sections.
    """
    mine = [d for d in DECLARED if d.owner is owner]
    return [name + d.suffix for d in mine if d.section is not Section.OUTPUTS] + [
        f"Outputs.{name}{d.suffix}" for d in mine if d.section is Section.OUTPUTS
    ]


def import_parameter(stack: str, output: str) -> str:
    """The consumer parameter that receives `output` of stack `stack`: "cfngen-demo-orders" + "OrdersStreamArn"
    is "CfngenDemoOrdersOrdersStreamArn"."""
    return imported("".join(part[:1].upper() + part[1:] for part in stack.split("-")) + output)


def switches(template: Mapping[str, Any]) -> dict[str, str]:
    """Mapping or rule name -> the parameter that switches it, in a rendered or deployed template.

    A parameter is a switch only when the mapping or rule it names exists: a user's own `LoggingEnabled` is not.
    """
    return {name: key for name, (key, _) in switched(template).items()}


def switched(template: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """Mapping or rule name -> (its switch parameter, the logical id of the mapping or rule it switches)."""
    resources = template.get("Resources", {})
    out = {}
    for key in template.get("Parameters", {}):
        stem = enabled.stem(key)
        if not key.endswith(enabled.suffix):
            continue
        if mapping(stem) in resources:
            out[stem] = (key, mapping(stem))
        elif resources.get(rule(stem), {}).get("Type") == "AWS::Events::Rule":  # a rule, or an S3 route's rule
            out[stem] = (key, rule(stem))
    return out
