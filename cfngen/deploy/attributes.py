"""A producer's outputs when the engine returns none: computed from its template and its resources.

moto gives a stack created through a change set no Outputs at all (probe:
test_stack_created_by_a_change_set_has_no_outputs), which would leave a consumer's imports empty. Each output
cfngen emits is a `Ref` or an `Fn::GetAtt` of one resource, so it can be computed as CloudFormation would: a
`Ref` is the resource's physical id, an attribute is read from the service (the table's stream ARN carries a
creation label, so it cannot be guessed). AWS always returns Outputs; this runs only where it does not.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from cfngen.deploy import stacks

if TYPE_CHECKING:
    from cfngen.deploy.session import AwsClients

Reader = Callable[["AwsClients", str, str], str]  # (clients, physical id, the stack's partition) -> value


def _stream_arn(aws: AwsClients, name: str, partition: str) -> str:
    return aws.client("kinesis").describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]


def _table(field: str) -> Reader:
    def read(aws: AwsClients, name: str, partition: str) -> str:
        return str(aws.client("dynamodb").describe_table(TableName=name)["Table"].get(field, ""))

    return read


def _queue_arn(aws: AwsClients, url: str, partition: str) -> str:
    found = aws.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return found["Attributes"]["QueueArn"]


def _bus_arn(aws: AwsClients, name: str, partition: str) -> str:
    return aws.client("events").describe_event_bus(Name=name)["Arn"]


def _function_arn(aws: AwsClients, name: str, partition: str) -> str:
    return aws.client("lambda").get_function_configuration(FunctionName=name)["FunctionArn"]


READERS: dict[tuple[str, str], Reader] = {
    ("AWS::Kinesis::Stream", "Arn"): _stream_arn,
    ("AWS::DynamoDB::Table", "Arn"): _table("TableArn"),
    ("AWS::DynamoDB::Table", "StreamArn"): _table("LatestStreamArn"),
    ("AWS::SQS::Queue", "Arn"): _queue_arn,
    ("AWS::SQS::Queue", "QueueName"): lambda aws, url, partition: url.rsplit("/", 1)[-1],
    ("AWS::SNS::Topic", "TopicName"): lambda aws, arn, partition: arn.rsplit(":", 1)[-1],
    ("AWS::S3::Bucket", "Arn"): lambda aws, name, partition: f"arn:{partition}:s3:::{name}",
    ("AWS::Events::EventBus", "Arn"): _bus_arn,
    ("AWS::Events::EventBus", "Name"): lambda aws, name, partition: name,
    ("AWS::Lambda::Function", "Arn"): _function_arn,
}


def computed_outputs(aws: AwsClients, stack: str, stack_id: str, template: Mapping[str, Any]) -> dict[str, str]:
    """Every output of `template` that is a Ref or a readable attribute of a resource the stack holds."""
    expected = template.get("Outputs", {})
    if not expected:
        return {}
    types = {k: str(v.get("Type", "")) for k, v in template.get("Resources", {}).items()}
    ids = {
        str(r["LogicalResourceId"]): str(r["PhysicalResourceId"])
        for r in stacks.stack_resources(aws.client("cloudformation"), stack)
        if r.get("PhysicalResourceId")
    }
    partition = stack_id.split(":")[1] if stack_id.count(":") > 1 else "aws"
    out: dict[str, str] = {}
    for key, output in expected.items():
        value = output.get("Value")
        if not isinstance(value, Mapping):
            continue
        if isinstance(value.get("Ref"), str) and value["Ref"] in ids:
            out[key] = ids[value["Ref"]]
        elif isinstance(value.get("Fn::GetAtt"), list) and len(value["Fn::GetAtt"]) == 2:
            logical, attribute = value["Fn::GetAtt"]
            read = READERS.get((types.get(logical, ""), attribute))
            if read is not None and logical in ids:
                out[key] = read(aws, ids[logical], partition)
    return dict(sorted(out.items()))
