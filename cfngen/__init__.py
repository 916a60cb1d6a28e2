"""cfngen: Python stack definitions -> reviewed, linted CloudFormation for AWS Lambda."""

from cfngen.definitions import (
    DynamoDBTable,
    EventBus,
    EventRule,
    Function,
    KinesisStream,
    Reference,
    S3Bucket,
    Secret,
    SnsTopic,
    SqsQueue,
    SsmParameter,
    Stack,
    Vpc,
)
from cfngen.errors import CfngenError, SpecError

__all__ = [
    "CfngenError",
    "DynamoDBTable",
    "EventBus",
    "EventRule",
    "Function",
    "KinesisStream",
    "Reference",
    "S3Bucket",
    "Secret",
    "SnsTopic",
    "SpecError",
    "SqsQueue",
    "SsmParameter",
    "Stack",
    "Vpc",
]
__version__ = "0.1.0"
