"""Wiring sources to functions.

Pull (Kinesis, DynamoDB, SQS): an event source mapping whose Enabled comes from a parameter, so enabling or
disabling is a parameter-only stack update; it depends on the policy that grants the read, which AWS
checks when the mapping is created. Push (SNS, S3): a Lambda permission scoped to the source, plus the
subscription (SNS) or the bucket's notification (S3, emitted with the bucket in builders.sources).
"""

from __future__ import annotations

import re

from troposphere import GetAtt, If, Output, Ref, Sub, Template, kinesis, s3, sns
from troposphere import awslambda as lam
from troposphere import iam as tiam

from cfngen import names
from cfngen.builders import iam
from cfngen.builders.function import invoked
from cfngen.builders.iam import STACK_ID_HEAD
from cfngen.builders.rules import add_rule_permission, add_s3_route
from cfngen.builders.sources import bucket_arn
from cfngen.builders.switch import add_switch
from cfngen.definitions import (
    DynamoDBTable,
    Function,
    KinesisStream,
    PullTrigger,
    RuleTrigger,
    S3Bucket,
    S3Trigger,
    SnsTrigger,
    SqsQueue,
    SqsTrigger,
    Stack,
    Trigger,
)
from cfngen.definitions.refs import STACK_ID_VARIABLE

EXISTING_BUCKET_NOTE = (
    "CloudFormation cannot add a notification to a bucket it does not manage: configure the notification "
    "for {bucket} ({events}) to this function where the bucket is defined. This permission lets it invoke."
)


def stream_arn(source: KinesisStream | DynamoDBTable) -> object:
    """`GetAtt` of a stream this stack creates, an imported parameter's `Ref`, or the ARN given."""
    return iam.value(source.arn if isinstance(source, KinesisStream) else source.stream_arn)


def queue_arn(source: SqsQueue) -> object:
    return iam.value(source.arn)


class _MaximumConcurrency(lam.ScalingConfig):  # type: ignore[misc]
    """An event source mapping's ScalingConfig: troposphere's class of that name is the one of another resource
    (MaxEnvironments) and refuses MaximumConcurrency; this keeps its type and takes the mapping's property."""

    props = {"MaximumConcurrency": (int, True)}  # noqa: RUF012


def _stream_read(trigger: PullTrigger | SqsTrigger) -> list[iam.Statement]:
    src = trigger.source
    if isinstance(src, SqsQueue):
        statements = [iam.allow("sqs", iam.STREAM_READ["sqs"], [queue_arn(src)])]
        if src.kms_key is not None:  # messages encrypted with a customer-managed key are decrypted on receipt
            statements.append(iam.allow("kms", ["Decrypt"], [iam.value(src.kms_key)]))
        return statements
    if isinstance(src, KinesisStream):
        statements = [iam.allow("kinesis", iam.STREAM_READ["kinesis"], [stream_arn(src)])]
        consumer = _consumer_arn(trigger) if isinstance(trigger, PullTrigger) else None
        if consumer is not None:  # enhanced fan-out: Lambda subscribes to the shards through the consumer
            statements.append(iam.allow("kinesis", ["DescribeStreamConsumer", "SubscribeToShard"], [consumer]))
        return statements
    # ListStreams has no resource-level scoping in IAM's model; scope it to the table's streams as SAM's
    # DynamoDBStreamReadPolicy does rather than grant it on "*".
    streams = iam.value(src.arn + "/stream/*")
    statements = [
        iam.allow("dynamodb", iam.STREAM_READ["dynamodb"], [stream_arn(src)]),
        iam.allow("dynamodb", ["ListStreams"], [streams]),
    ]
    if src.kms_key is not None:  # stream records of a table with a customer-managed key are encrypted with it
        statements.append(iam.allow("kms", ["Decrypt"], [iam.value(src.kms_key)]))
    return statements


def add_sources_policy(t: Template, fn: Function) -> None:
    """One policy per function granting every stream and queue it reads; each mapping depends on it."""
    pulls = [tr for tr in fn.triggers if isinstance(tr, (PullTrigger, SqsTrigger))]
    if not pulls:
        return
    statements = [st for tr in pulls for st in _stream_read(tr)]
    statements += [
        iam.send_to(tr.on_failure_arn) for tr in pulls if isinstance(tr, PullTrigger) and tr.on_failure_arn is not None
    ]
    t.add_resource(
        tiam.PolicyType(
            names.sources_policy(fn.name),
            PolicyName="event-sources",
            PolicyDocument=iam.document(statements),
            Roles=[Ref(names.role(fn.name))],
        )
    )


def add_trigger(t: Template, trigger: Trigger) -> None:
    if isinstance(trigger, (PullTrigger, SqsTrigger)):
        _mapping(t, trigger)
    elif isinstance(trigger, SnsTrigger):
        _sns(t, trigger)
    elif isinstance(trigger, RuleTrigger):
        add_rule_permission(t, trigger)
    elif trigger.via == "eventbridge":
        add_s3_route(t, trigger)
    else:
        _s3_permission(t, trigger)


def _mapping(t: Template, tr: PullTrigger | SqsTrigger) -> None:
    n = tr.name
    condition = names.is_enabled(n)
    param = add_switch(
        t,
        names.enabled(n),
        condition,
        enabled=tr.enabled,
        description=f"Whether {tr.source.ident} -> {tr.function.name} delivers records (cfngen enable/disable)",
    )
    props: dict[str, object] = {
        "FunctionName": Ref(names.function(tr.function.name)) if tr.function.alias is None else invoked(tr.function),
        # Fn::If rather than a bare Ref: a boolean on every engine (moto reads the string "false" as true;
        # probe: test_mapping_enabled_through_a_plain_ref_is_enabled_for_false).
        "Enabled": If(condition, True, False),
        "BatchSize": tr.batch_size,
        "MaximumBatchingWindowInSeconds": tr.batching_window_seconds,
    }
    if isinstance(tr, SqsTrigger):
        props.update(_queue_options(tr))
    else:
        props.update(_stream_options(tr))
        if tr.enhanced_fan_out:
            _add_consumer(t, tr)
    props = {k: v for k, v in props.items() if v is not None}
    if tr.filter_patterns:
        props["FilterCriteria"] = lam.FilterCriteria(Filters=[lam.Filter(Pattern=p) for p in tr.filter_patterns])
    mapping = lam.EventSourceMapping(names.mapping(n), **props)
    # A direct Ref to the parameter: engines that update only resources referring to a changed parameter
    # (moto does not follow Conditions) still see this mapping change.
    # probe: test_update_skips_a_mapping_tied_to_the_parameter_only_by_a_condition
    mapping.Metadata = {"cfngen:enabled": Ref(param)}
    mapping.DependsOn = [names.sources_policy(tr.function.name)]
    t.add_resource(mapping)
    t.add_output(
        Output(names.mapping_id_output(n), Value=Ref(mapping), Description=f"{tr.source.ident} -> {tr.function.name}")
    )


def _consumer_arn(tr: PullTrigger) -> iam.Resource | None:
    """The enhanced fan-out consumer a Kinesis mapping reads through (its own, or one named by from_arn), if any."""
    if tr.enhanced_fan_out:
        return GetAtt(names.consumer(tr.name), "ConsumerARN")
    src = tr.source
    if isinstance(src, KinesisStream) and src.given_consumer_arn is not None:
        return iam.value(src.given_consumer_arn)
    return None


def _add_consumer(t: Template, tr: PullTrigger) -> None:
    """The mapping's own stream consumer, named `<trigger>-<stack id head>`: unique on a stream that other stacks
    (or other deployments of this template) read too."""
    assert isinstance(tr.source, KinesisStream)
    name = Sub(f"{tr.name}-${{{STACK_ID_VARIABLE}}}", **{STACK_ID_VARIABLE: STACK_ID_HEAD})
    t.add_resource(kinesis.StreamConsumer(names.consumer(tr.name), ConsumerName=name, StreamARN=stream_arn(tr.source)))


def _stream_options(tr: PullTrigger) -> dict[str, object]:
    consumer = _consumer_arn(tr)
    options: dict[str, object] = {
        "EventSourceArn": stream_arn(tr.source) if consumer is None else consumer,
        "StartingPosition": tr.starting_position,
        "StartingPositionTimestamp": tr.starting_timestamp,
        "BisectBatchOnFunctionError": tr.bisect_on_error,
        "MaximumRetryAttempts": tr.max_retries,
        "MaximumRecordAgeInSeconds": tr.max_record_age_seconds,
        "ParallelizationFactor": tr.parallelization_factor,
        "FunctionResponseTypes": ["ReportBatchItemFailures"] if tr.report_batch_item_failures else None,
        "TumblingWindowInSeconds": tr.tumbling_window_seconds,
    }
    if tr.on_failure_arn is not None:
        options["DestinationConfig"] = lam.DestinationConfig(
            OnFailure=lam.OnFailure(Destination=iam.value(tr.on_failure_arn))
        )
    return options


def _queue_options(tr: SqsTrigger) -> dict[str, object]:
    return {
        "EventSourceArn": queue_arn(tr.source),
        "FunctionResponseTypes": ["ReportBatchItemFailures"] if tr.report_batch_item_failures else None,
        "ScalingConfig": None
        if tr.max_concurrency is None
        else _MaximumConcurrency(MaximumConcurrency=tr.max_concurrency),
    }


def _sns(t: Template, tr: SnsTrigger) -> None:
    fn_arn = invoked(tr.function)
    topic = iam.value(tr.source.arn)
    t.add_resource(
        lam.Permission(
            names.sns_permission(tr.name),
            Action="lambda:InvokeFunction",
            FunctionName=fn_arn,
            Principal="sns.amazonaws.com",
            SourceArn=topic,
        )
    )
    props: dict[str, object] = {"Protocol": "lambda", "Endpoint": fn_arn, "TopicArn": topic}
    if tr.filter_policy is not None:
        props["FilterPolicy"] = dict(tr.filter_policy)
    if tr.filter_policy_scope is not None:
        props["FilterPolicyScope"] = tr.filter_policy_scope
    region = _literal_region(tr.source.given_arn)
    if region is not None:
        props["Region"] = region  # a topic in another region is subscribed to in its own region
    t.add_resource(sns.SubscriptionResource(names.subscription(tr.name), **props))


def _literal_region(arn: str | None) -> str | None:
    """The region written in an ARN, or None when there is none or it is a placeholder."""
    match = re.match(r"arn:(?:\$\{AWS::Partition\}|[^:]+):[^:]+:([^:]*):", arn or "")
    region = match.group(1) if match else ""
    return region if region and "${" not in region else None


def _s3_permission(t: Template, tr: S3Trigger) -> None:
    stack = tr.function.stack
    permission = lam.Permission(
        names.s3_permission(tr.name),
        Action="lambda:InvokeFunction",
        FunctionName=invoked(tr.function),
        Principal="s3.amazonaws.com",
        SourceArn=bucket_arn(stack, tr.source),
        SourceAccount=iam.value(tr.source.account) if tr.source.account else Ref("AWS::AccountId"),
    )
    if tr.source.existing:
        permission.Metadata = {
            "cfngen:note": iam.value(
                EXISTING_BUCKET_NOTE.format(bucket=_bucket_label(tr.source), events=", ".join(tr.events))
            )
        }
    t.add_resource(permission)


def _bucket_label(bucket: S3Bucket) -> str:
    if bucket.bucket_name is None and bucket.producer is not None:
        return f"the bucket {bucket.ident} of stack {bucket.producer.name}"
    return str(bucket.bucket_name)


def s3_notifications(stack: Stack, bucket: S3Bucket) -> tuple[list[s3.LambdaConfigurations], list[str]]:
    """The bucket's Lambda notifications and the permissions it must wait for."""
    configs, permissions = [], []
    for tr in stack.triggers:
        if not (isinstance(tr, S3Trigger) and tr.source is bucket):
            continue
        permissions.append(names.s3_permission(tr.name))
        rules = [s3.Rules(Name=k, Value=v) for k, v in (("prefix", tr.prefix), ("suffix", tr.suffix)) if v]
        for event in tr.events:
            config = s3.LambdaConfigurations(Event=event, Function=invoked(tr.function))
            if rules:
                config.Filter = s3.Filter(S3Key=s3.S3Key(Rules=rules))
            configs.append(config)
    return configs, permissions


def notes(stack: Stack) -> list[str]:
    """What a human must do by hand after deploying, and warnings about the stack: shown by render and deploy."""
    from cfngen.builders.function import notes as function_notes

    return function_notes(stack) + [
        f"{tr.name}: " + EXISTING_BUCKET_NOTE.format(bucket=_bucket_label(tr.source), events=", ".join(tr.events))
        for tr in stack.triggers
        if isinstance(tr, S3Trigger) and tr.source.existing and tr.via == "s3"
    ]
