"""Resources for event sources the stack creates: Kinesis streams, DynamoDB tables, SNS topics, buckets, and
(through builders/queues.py and builders/rules.py) SQS queues and EventBridge rules.

Each is secure by default (encrypted; buckets private and TLS-only). A created bucket's name is computed
in the template from the stack id (see bucket_name), so the same template deploys under any stack name,
and push permissions build their SourceArn from that same expression without referring to the bucket
(no dependency cycle).
"""

from __future__ import annotations

from troposphere import GetAtt, Output, Ref, Sub, Template, kinesis, s3, sns
from troposphere import dynamodb as ddb

from cfngen import names
from cfngen.builders import iam, scanner
from cfngen.builders.buckets import hardened_bucket_properties
from cfngen.builders.iam import STACK_ID_HEAD
from cfngen.builders.queues import add_queue
from cfngen.builders.rules import add_rule
from cfngen.definitions import DynamoDBTable, EventRule, KinesisStream, S3Bucket, SnsTopic, Source, SqsQueue, Stack
from cfngen.definitions.buckets import BUCKET_PREFIX_MAX, bucket_prefix
from cfngen.definitions.refs import STACK_ID_VARIABLE

__all__ = ["BUCKET_PREFIX_MAX", "STACK_ID_HEAD", "add_source", "bucket_arn", "bucket_name", "bucket_prefix"]


def bucket_name(stack: Stack, bucket: S3Bucket) -> str | Sub:
    """The BucketName of a bucket this stack creates.

    A `bucket_name=` from the spec stays as written (Fn::Sub only when it has placeholders). Otherwise
    `<prefix>-<stack id head>-${AWS::AccountId}-${AWS::Region}`: the stack id makes the name follow the
    stack the template is deployed as, so a copy under another stack name gets a bucket of its own.
    """
    if bucket.bucket_name is not None:
        return iam.value(bucket.bucket_name)
    return _generated(stack, bucket, "")


def bucket_arn(stack: Stack, bucket: S3Bucket) -> Sub:
    """The bucket's ARN built from its name, never from the bucket resource: no dependency cycle."""
    if bucket.bucket_name is not None:
        return Sub(f"arn:${{AWS::Partition}}:s3:::{bucket.bucket_name}")
    if bucket.stack is None:  # another stack's bucket: its name is imported
        return iam.value(bucket.arn)
    return _generated(stack, bucket, "arn:${AWS::Partition}:s3:::")


def _generated(stack: Stack, bucket: S3Bucket, before: str) -> Sub:
    name = f"{bucket_prefix(stack, bucket)}-${{{STACK_ID_VARIABLE}}}-${{AWS::AccountId}}-${{AWS::Region}}"
    return Sub(before + name, **{STACK_ID_VARIABLE: STACK_ID_HEAD})


def add_source(t: Template, stack: Stack, source: Source) -> None:
    if isinstance(source, KinesisStream):
        _stream(t, source)
    elif isinstance(source, DynamoDBTable):
        _table(t, source)
    elif isinstance(source, SnsTopic):
        _topic(t, source)
    elif isinstance(source, S3Bucket):
        _bucket(t, stack, source)
    elif isinstance(source, SqsQueue):
        add_queue(t, source)
    elif isinstance(source, EventRule):
        add_rule(t, stack, source)


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
    stream = t.add_resource(kinesis.Stream(names.stream(src.ident), **props))
    t.add_output(Output(names.stream_name_output(src.ident), Value=Ref(stream)))
    t.add_output(Output(names.stream_arn_output(src.ident), Value=GetAtt(stream, "Arn")))


def _table(t: Template, src: DynamoDBTable) -> None:
    attributes = [ddb.AttributeDefinition(AttributeName=src.partition_key, AttributeType=src.partition_key_type)]
    keys = [ddb.KeySchema(AttributeName=src.partition_key, KeyType="HASH")]
    if src.sort_key is not None:
        attributes.append(ddb.AttributeDefinition(AttributeName=src.sort_key, AttributeType=src.sort_key_type))
        keys.append(ddb.KeySchema(AttributeName=src.sort_key, KeyType="RANGE"))
    props: dict[str, object] = {
        "AttributeDefinitions": attributes,
        "KeySchema": keys,
        "BillingMode": "PROVISIONED" if src.billing == "provisioned" else "PAY_PER_REQUEST",
        "PointInTimeRecoverySpecification": ddb.PointInTimeRecoverySpecification(PointInTimeRecoveryEnabled=True),
        "SSESpecification": ddb.SSESpecification(SSEEnabled=True)
        if src.kms_key is None
        else ddb.SSESpecification(SSEEnabled=True, SSEType="KMS", KMSMasterKeyId=iam.value(src.kms_key)),
    }
    if src.billing == "provisioned":
        props["ProvisionedThroughput"] = ddb.ProvisionedThroughput(
            ReadCapacityUnits=src.read_capacity, WriteCapacityUnits=src.write_capacity
        )
    if src.stream_view is not None:
        props["StreamSpecification"] = ddb.StreamSpecification(StreamViewType=src.stream_view)
    if src.table_name is not None:
        props["TableName"] = src.table_name
    table = ddb.Table(names.table(src.ident), **props)
    scanner.skip(table, *([] if src.kms_key else ["table-aws-key"]))
    if src.retain:  # deleting the stack (or replacing the table) must not drop the data
        table.DeletionPolicy = table.UpdateReplacePolicy = "Retain"
    t.add_resource(table)
    t.add_output(Output(names.table_name_output(src.ident), Value=Ref(table)))
    t.add_output(Output(names.table_arn_output(src.ident), Value=GetAtt(table, "Arn")))
    if src.stream_view is not None:
        t.add_output(Output(names.table_stream_arn_output(src.ident), Value=GetAtt(table, "StreamArn")))


def _topic(t: Template, src: SnsTopic) -> None:
    props: dict[str, object] = {}
    if src.kms_key is not None:  # always, for a topic the stack creates (definitions: SNS_MANAGED_KEY)
        props["KmsMasterKeyId"] = iam.value(src.kms_key)
    if src.display_name is not None:
        props["DisplayName"] = src.display_name
    if src.topic_name is not None:
        props["TopicName"] = src.topic_name
    topic = t.add_resource(sns.Topic(names.topic(src.ident), **props))
    t.add_output(Output(names.topic_arn_output(src.ident), Value=Ref(topic)))
    t.add_output(Output(names.topic_name_output(src.ident), Value=GetAtt(topic, "TopicName")))


def _bucket(t: Template, stack: Stack, src: S3Bucket) -> None:
    from cfngen.builders.triggers import s3_notifications

    configs, permissions = s3_notifications(stack, src)
    props: dict[str, object] = {
        "BucketName": bucket_name(stack, src),
        **hardened_bucket_properties(versioned=src.versioning),
    }
    if configs:
        props["NotificationConfiguration"] = s3.NotificationConfiguration(LambdaConfigurations=configs)
    bucket = t.add_resource(s3.Bucket(names.bucket(src.ident), **props))
    if permissions:
        # S3 checks it may invoke the function when the notification is set: permission first.
        bucket.DependsOn = permissions
    t.add_resource(
        s3.BucketPolicy(
            names.bucket_policy(src.ident),
            Bucket=Ref(bucket),
            PolicyDocument=iam.deny_insecure_transport(
                GetAtt(bucket, "Arn"), Sub(f"${{{names.bucket(src.ident)}.Arn}}/*")
            ),
        )
    )
    t.add_output(Output(names.bucket_name_output(src.ident), Value=Ref(bucket)))
