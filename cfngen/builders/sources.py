"""Resources for event sources the stack creates: Kinesis streams, DynamoDB tables, SNS topics, buckets.

Each is secure by default (encrypted; buckets private and TLS-only). Buckets get a deterministic name so
that push permissions can name their SourceArn without referring to the bucket (no dependency cycle).
"""

from __future__ import annotations

import hashlib
import re

from troposphere import GetAtt, Output, Ref, Sub, Template, kinesis, s3, sns
from troposphere import dynamodb as ddb

from cfngen.builders import iam
from cfngen.builders.buckets import hardened_bucket_properties
from cfngen.definitions import DynamoDBTable, KinesisStream, S3Bucket, SnsTopic, Source, Stack

# The account id is 12 characters; no region name is longer than 16, so a prefix of 33 keeps every
# rendered name within S3's 63 whatever account and region deploy it.
BUCKET_PREFIX_MAX = 63 - len("-123456789012-") - 16


def bucket_name(stack: Stack, bucket: S3Bucket) -> str:
    """The name (with ${AWS::AccountId} and ${AWS::Region}) of a bucket this stack creates."""
    if bucket.bucket_name is not None:
        return bucket.bucket_name
    full = f"{stack.name}-{bucket.name}".lower()
    prefix = re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]", "-", full)).strip("-")
    if len(prefix) > BUCKET_PREFIX_MAX or prefix.startswith(("xn-", "sthree-", "amzn-s3-demo-")):
        digest = hashlib.sha256(full.encode()).hexdigest()[:8]
        prefix = f"{prefix[: BUCKET_PREFIX_MAX - 9].rstrip('-')}-{digest}".lstrip("-")
        if prefix.startswith(("xn-", "sthree-", "amzn-s3-demo-")):
            prefix = f"b{digest}-{prefix[: BUCKET_PREFIX_MAX - 10].rstrip('-')}"
    return f"{prefix}-${{AWS::AccountId}}-${{AWS::Region}}"


def bucket_arn(stack: Stack, bucket: S3Bucket) -> Sub:
    name = bucket_name(stack, bucket) if bucket.stack is not None else bucket.bucket_name
    return Sub(f"arn:${{AWS::Partition}}:s3:::{name}")


def add_source(t: Template, stack: Stack, source: Source) -> None:
    if isinstance(source, KinesisStream):
        _stream(t, source)
    elif isinstance(source, DynamoDBTable):
        _table(t, source)
    elif isinstance(source, SnsTopic):
        _topic(t, source)
    elif isinstance(source, S3Bucket):
        _bucket(t, stack, source)


def _stream(t: Template, src: KinesisStream) -> None:
    props: dict[str, object] = {
        "RetentionPeriodHours": src.retention_hours,
        "StreamEncryption": kinesis.StreamEncryption(EncryptionType="KMS", KeyId="alias/aws/kinesis"),
    }
    if src.on_demand:
        props["StreamModeDetails"] = kinesis.StreamModeDetails(StreamMode="ON_DEMAND")
    else:
        props["ShardCount"] = src.shards
    if src.stream_name is not None:
        props["Name"] = src.stream_name
    stream = t.add_resource(kinesis.Stream(f"{src.name}Stream", **props))
    t.add_output(Output(f"{src.name}StreamName", Value=Ref(stream)))
    t.add_output(Output(f"{src.name}StreamArn", Value=GetAtt(stream, "Arn")))


def _table(t: Template, src: DynamoDBTable) -> None:
    attributes = [ddb.AttributeDefinition(AttributeName=src.partition_key, AttributeType=src.partition_key_type)]
    keys = [ddb.KeySchema(AttributeName=src.partition_key, KeyType="HASH")]
    if src.sort_key is not None:
        attributes.append(ddb.AttributeDefinition(AttributeName=src.sort_key, AttributeType=src.sort_key_type))
        keys.append(ddb.KeySchema(AttributeName=src.sort_key, KeyType="RANGE"))
    props: dict[str, object] = {
        "AttributeDefinitions": attributes,
        "KeySchema": keys,
        "BillingMode": "PAY_PER_REQUEST",
        "PointInTimeRecoverySpecification": ddb.PointInTimeRecoverySpecification(PointInTimeRecoveryEnabled=True),
        "SSESpecification": ddb.SSESpecification(SSEEnabled=True),
    }
    if src.stream_view is not None:
        props["StreamSpecification"] = ddb.StreamSpecification(StreamViewType=src.stream_view)
    if src.table_name is not None:
        props["TableName"] = src.table_name
    table = ddb.Table(f"{src.name}Table", **props)
    if src.retain:  # deleting the stack (or replacing the table) must not drop the data
        table.DeletionPolicy = table.UpdateReplacePolicy = "Retain"
    t.add_resource(table)
    t.add_output(Output(f"{src.name}TableName", Value=Ref(table)))
    if src.stream_view is not None:
        t.add_output(Output(f"{src.name}TableStreamArn", Value=GetAtt(table, "StreamArn")))


def _topic(t: Template, src: SnsTopic) -> None:
    props: dict[str, object] = {}
    if src.kms_key is not None:
        props["KmsMasterKeyId"] = src.kms_key
    if src.display_name is not None:
        props["DisplayName"] = src.display_name
    if src.topic_name is not None:
        props["TopicName"] = src.topic_name
    topic = t.add_resource(sns.Topic(f"{src.name}Topic", **props))
    t.add_output(Output(f"{src.name}TopicArn", Value=Ref(topic)))


def _bucket(t: Template, stack: Stack, src: S3Bucket) -> None:
    from cfngen.builders.triggers import s3_notifications

    configs, permissions = s3_notifications(stack, src)
    props: dict[str, object] = {
        "BucketName": Sub(bucket_name(stack, src)),
        **hardened_bucket_properties(),
    }
    if src.versioning:
        props["VersioningConfiguration"] = s3.VersioningConfiguration(Status="Enabled")
    if configs:
        props["NotificationConfiguration"] = s3.NotificationConfiguration(LambdaConfigurations=configs)
    bucket = t.add_resource(s3.Bucket(f"{src.name}Bucket", **props))
    if permissions:
        # S3 checks it may invoke the function when the notification is set: permission first.
        bucket.DependsOn = permissions
    t.add_resource(
        s3.BucketPolicy(
            f"{src.name}BucketPolicy",
            Bucket=Ref(bucket),
            PolicyDocument=iam.deny_insecure_transport(GetAtt(bucket, "Arn"), Sub(f"${{{src.name}Bucket.Arn}}/*")),
        )
    )
    t.add_output(Output(f"{src.name}BucketName", Value=Ref(bucket)))
