"""cfngen: Python stack definitions -> reviewed, linted CloudFormation for AWS Lambda."""

from cfngen.definitions import DynamoDBTable, Function, KinesisStream, S3Bucket, SnsTopic, Stack
from cfngen.errors import CfngenError, SpecError

__all__ = [
    "CfngenError",
    "DynamoDBTable",
    "Function",
    "KinesisStream",
    "S3Bucket",
    "SnsTopic",
    "SpecError",
    "Stack",
]
__version__ = "0.1.0"
