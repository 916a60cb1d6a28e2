"""cfngen: Python stack definitions -> reviewed, linted CloudFormation for AWS Lambda."""

from cfngen.definitions import (
    DynamoDBTable,
    EventBus,
    EventRule,
    Function,
    KinesisStream,
    S3Bucket,
    SnsTopic,
    SqsQueue,
    Stack,
)
from cfngen.errors import CfngenError, SpecError

__all__ = [
    "CfngenError",
    "DynamoDBTable",
    "EventBus",
    "EventRule",
    "Function",
    "KinesisStream",
    "S3Bucket",
    "SnsTopic",
    "SpecError",
    "SqsQueue",
    "Stack",
]
__version__ = "0.1.0"
