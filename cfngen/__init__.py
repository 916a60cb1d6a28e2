"""cfngen: Python stack definitions -> reviewed, linted CloudFormation for AWS Lambda."""

from cfngen.errors import CfngenError, SpecError
from cfngen.spec import DynamoDBTable, Function, KinesisStream, S3Bucket, SnsTopic, Stack

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
