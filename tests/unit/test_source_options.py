"""More options on existing sources (issue 10): batch item failures and tumbling windows on stream mappings,
Kinesis enhanced fan-out (a consumer of the mapping's own, or an existing consumer's ARN), provisioned DynamoDB
tables, and asynchronous invocation settings (on_success, max_event_age_seconds, max_retry_attempts).

What renders, the least-privilege IAM each option adds, and a located SpecError for every bad value.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cfngen import DynamoDBTable, EventBus, KinesisStream, SnsTopic, SpecError, SqsQueue, Stack

KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
CONSUMER = "arn:aws:kinesis:us-east-1:123456789012:stream/orders/consumer/billing:1700000000"
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:fallback"


@pytest.fixture
def stack(tmp_path: Path) -> Stack:
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "app.py").write_text("def handler(event, context):\n    return event\n")
    return Stack("opts", base_dir=tmp_path)


def fn(stack: Stack, name: str = "Fn", **options: Any) -> Any:
    return stack.function(name, code="code", handler="app.handler", runtime="python3.12", **options)


def spec_error(call: Callable[[], object]) -> SpecError:
    with pytest.raises(SpecError) as info:
        call()
    return info.value


def resources(stack: Stack) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(stack.to_json())["Resources"]
    return found


def statements(res: dict[str, Any], policy: str) -> list[dict[str, Any]]:
    props = res[policy]["Properties"]
    document = props["Policies"][0]["PolicyDocument"] if "Policies" in props else props["PolicyDocument"]
    found: list[dict[str, Any]] = document["Statement"]
    return found


def table(stack: Stack, name: str = "Ledger", **options: Any) -> DynamoDBTable:
    return stack.dynamodb_table(name, partition_key="id", stream_view="NEW_IMAGE", **options)


# ----------------------------------------------------------------------------------- stream mapping options


@pytest.mark.parametrize("kind", ["kinesis", "dynamodb"])
def test_batch_item_failures_and_tumbling_windows_render_on_stream_mappings(stack: Stack, kind: str) -> None:
    source = stack.kinesis_stream("Clicks") if kind == "kinesis" else table(stack, "Clicks")
    fn(stack).add_event_source(
        source, starting_position="LATEST", report_batch_item_failures=True, tumbling_window_seconds=900
    )
    props = resources(stack)["FnClicksMapping"]["Properties"]
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["TumblingWindowInSeconds"] == 900


def test_stream_mapping_options_left_unset_render_nothing(stack: Stack) -> None:
    fn(stack).add_event_source(stack.kinesis_stream("Clicks"), starting_position="LATEST", tumbling_window_seconds=0)
    props = resources(stack)["FnClicksMapping"]["Properties"]
    assert props["TumblingWindowInSeconds"] == 0 and "FunctionResponseTypes" not in props
    assert props["EventSourceArn"] == {"Fn::GetAtt": ["ClicksStream", "Arn"]}


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("tumbling_window_seconds", 901, "901 is out of range; allowed: 0 to 900"),
        ("tumbling_window_seconds", -1, "-1 is out of range; allowed: 0 to 900"),
        ("tumbling_window_seconds", "60", "'60' is not a whole number; allowed: 0 to 900"),
        ("tumbling_window_seconds", True, "True is not a whole number"),
        ("report_batch_item_failures", "yes", "'yes' is not allowed; allowed: True or False"),
        ("enhanced_fan_out", 1, "1 is not allowed; allowed: True or False"),
    ],
)
def test_bad_stream_mapping_options_are_located_spec_errors(stack: Stack, option: str, value: Any, says: str) -> None:
    clicks = stack.kinesis_stream("Clicks")
    err = spec_error(lambda: fn(stack).add_event_source(clicks, starting_position="LATEST", **{option: value}))
    assert (err.stack, err.resource, err.field) == ("opts", "Fn<-Clicks", option)
    assert err.file is not None and err.file.endswith("test_source_options.py")
    assert says in str(err)


def test_queue_options_stay_refused_on_queues_and_stream_options_on_queues(stack: Stack) -> None:
    queue = stack.sqs_queue("Work")
    err = spec_error(lambda: fn(stack).add_event_source(queue, tumbling_window_seconds=60))
    assert err.field == "tumbling_window_seconds" and "is not an option of an SQS queue source" in str(err)


# ------------------------------------------------------------------------------------------ enhanced fan-out


def test_enhanced_fan_out_maps_from_a_consumer_of_its_own(stack: Stack) -> None:
    fn(stack).add_event_source(stack.kinesis_stream("Clicks"), starting_position="LATEST", enhanced_fan_out=True)
    res = resources(stack)
    consumer = res["FnClicksConsumer"]
    assert consumer["Type"] == "AWS::Kinesis::StreamConsumer"
    assert consumer["Properties"]["StreamARN"] == {"Fn::GetAtt": ["ClicksStream", "Arn"]}
    name = consumer["Properties"]["ConsumerName"]["Fn::Sub"]
    assert name[0] == "FnClicks-${StackIdHead}"  # unique per deployed stack on a stream others read too
    arn = {"Fn::GetAtt": ["FnClicksConsumer", "ConsumerARN"]}
    assert res["FnClicksMapping"]["Properties"]["EventSourceArn"] == arn
    granted = statements(res, "FnSourcesPolicy")
    assert {"Action": ["kinesis:DescribeStreamConsumer", "kinesis:SubscribeToShard"], "Effect": "Allow",
            "Resource": [arn]} in granted  # fmt: skip
    stream_read = next(st for st in granted if st["Resource"] == [{"Fn::GetAtt": ["ClicksStream", "Arn"]}])
    assert "kinesis:SubscribeToShard" not in stream_read["Action"]  # only on the consumer


def test_from_arn_takes_a_consumer_arn_and_maps_through_it(stack: Stack) -> None:
    source = KinesisStream.from_arn(CONSUMER)
    assert source.ident == "Billing"
    assert source.name.text == "orders"
    assert source.arn.text == "arn:aws:kinesis:us-east-1:123456789012:stream/orders"
    fn(stack).add_event_source(source, starting_position="TRIM_HORIZON")
    res = resources(stack)
    assert res["FnBillingMapping"]["Properties"]["EventSourceArn"] == CONSUMER
    assert "FnBillingConsumer" not in res
    granted = statements(res, "FnSourcesPolicy")
    assert {"Action": ["kinesis:DescribeStreamConsumer", "kinesis:SubscribeToShard"], "Effect": "Allow",
            "Resource": [CONSUMER]} in granted  # fmt: skip
    assert any(st["Resource"] == ["arn:aws:kinesis:us-east-1:123456789012:stream/orders"] for st in granted)


def test_a_consumer_arn_with_placeholders_is_accepted() -> None:
    arn = "arn:${AWS::Partition}:kinesis:${AWS::Region}:${AWS::AccountId}:stream/s/consumer/c:1"
    assert KinesisStream.from_arn(arn, name="Mine").given_consumer_arn == arn


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:kinesis:us-east-1:123456789012:stream/orders/consumer/billing",  # no creation time
        "arn:aws:kinesis:us-east-1:123456789012:stream/orders/consumer/:1",
        "arn:aws:kinesis:us-east-1:123456789012:stream/orders/other/billing:1",
    ],
)
def test_a_bad_kinesis_arn_names_both_shapes(arn: str) -> None:
    err = spec_error(lambda: KinesisStream.from_arn(arn))
    assert err.resource == "KinesisStream.from_arn"
    assert "is not a valid kinesis ARN" in str(err) and "stream/NAME/consumer/CONSUMER:CREATED" in str(err)


def test_enhanced_fan_out_is_refused_on_dynamodb(stack: Stack) -> None:
    ledger = table(stack)
    err = spec_error(lambda: fn(stack).add_event_source(ledger, starting_position="LATEST", enhanced_fan_out=True))
    assert (err.resource, err.field) == ("Fn<-Ledger", "enhanced_fan_out")
    assert "is for Kinesis streams" in str(err) and "allowed: leave it unset" in str(err)


def test_enhanced_fan_out_is_refused_through_an_existing_consumer(stack: Stack) -> None:
    source = KinesisStream.from_arn(CONSUMER)
    err = spec_error(lambda: fn(stack).add_event_source(source, starting_position="LATEST", enhanced_fan_out=True))
    assert err.field == "enhanced_fan_out" and "already a stream consumer" in str(err)


def test_enhanced_fan_out_refuses_a_consumer_name_kinesis_would_refuse(stack: Stack) -> None:
    stream = stack.kinesis_stream("S" * 64)
    function = fn(stack, "F" * 60)
    err = spec_error(lambda: function.add_event_source(stream, starting_position="LATEST", enhanced_fan_out=True))
    assert err.field == "enhanced_fan_out" and "over 128 characters" in str(err)


def test_enhanced_fan_out_false_adds_no_consumer(stack: Stack) -> None:
    fn(stack).add_event_source(stack.kinesis_stream("Clicks"), starting_position="LATEST", enhanced_fan_out=False)
    assert "FnClicksConsumer" not in resources(stack)


# ---------------------------------------------------------------------------------------- DynamoDB billing


def test_tables_stay_on_demand_by_default(stack: Stack) -> None:
    table(stack)
    props = resources(stack)["LedgerTable"]["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST" and "ProvisionedThroughput" not in props


def test_a_provisioned_table_has_its_capacities(stack: Stack) -> None:
    table(stack, billing="provisioned", read_capacity=5, write_capacity=40000)
    props = resources(stack)["LedgerTable"]["Properties"]
    assert props["BillingMode"] == "PROVISIONED"
    assert props["ProvisionedThroughput"] == {"ReadCapacityUnits": 5, "WriteCapacityUnits": 40000}


@pytest.mark.parametrize(
    ("options", "fld", "says"),
    [
        ({"billing": "PROVISIONED"}, "billing", "'PROVISIONED' is not allowed; allowed: on_demand, provisioned"),
        ({"billing": "provisioned", "write_capacity": 1}, "read_capacity", "is required with billing='provisioned'"),
        ({"billing": "provisioned", "read_capacity": 1}, "write_capacity", "allowed: 1 to 40,000 capacity units"),
        ({"billing": "provisioned", "read_capacity": 0, "write_capacity": 1}, "read_capacity", "0 is out of range"),
        ({"billing": "provisioned", "read_capacity": 1, "write_capacity": 40001}, "write_capacity", "1 to 40000"),
        ({"billing": "provisioned", "read_capacity": 1.5, "write_capacity": 1}, "read_capacity", "not a whole number"),
        ({"read_capacity": 5}, "read_capacity", "not allowed with billing='on_demand'"),
        ({"billing": "on_demand", "write_capacity": 5}, "write_capacity", "allowed: leave it unset, or billing="),
    ],
)
def test_bad_billing_is_a_located_spec_error(stack: Stack, options: dict[str, Any], fld: str, says: str) -> None:
    err = spec_error(lambda: table(stack, **options))
    assert (err.stack, err.resource, err.field) == ("opts", "Ledger", fld)
    assert says in str(err)


# ------------------------------------------------------------------------------- asynchronous invocations


def test_async_settings_without_a_destination_render_an_invoke_config(stack: Stack) -> None:
    fn(stack, max_event_age_seconds=60, max_retry_attempts=0)
    assert resources(stack)["FnEventInvokeConfig"]["Properties"] == {
        "FunctionName": {"Ref": "FnFunction"},
        "MaximumEventAgeInSeconds": 60,
        "MaximumRetryAttempts": 0,
        "Qualifier": "$LATEST",
    }


def test_a_function_without_async_settings_has_no_invoke_config(stack: Stack) -> None:
    fn(stack)
    assert "FnEventInvokeConfig" not in resources(stack)


def test_on_success_and_on_failure_each_get_exactly_their_send_permission(stack: Stack) -> None:
    bus = stack.event_bus("Results")
    topic = stack.sns_topic("Done", kms_key=KEY)
    fn(stack, "Busy", on_success=bus, on_failure=LAMBDA, max_event_age_seconds=21600, max_retry_attempts=2)
    fn(stack, "Quiet", on_success=topic, on_failure=EventBus.from_name("theirs"))
    res = resources(stack)
    busy = res["BusyEventInvokeConfig"]["Properties"]
    assert busy["DestinationConfig"] == {
        "OnFailure": {"Destination": LAMBDA},
        "OnSuccess": {"Destination": {"Fn::GetAtt": ["ResultsEventBus", "Arn"]}},
    }
    assert (busy["MaximumEventAgeInSeconds"], busy["MaximumRetryAttempts"]) == (21600, 2)
    sent = statements(res, "BusyRole")[1:]
    assert sent == [
        {"Action": ["lambda:InvokeFunction"], "Effect": "Allow", "Resource": [LAMBDA]},
        {"Action": ["events:PutEvents"], "Effect": "Allow", "Resource": [{"Fn::GetAtt": ["ResultsEventBus", "Arn"]}]},
    ]
    theirs = {"Fn::Sub": "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/theirs"}
    quiet = res["QuietEventInvokeConfig"]["Properties"]["DestinationConfig"]
    assert quiet == {"OnFailure": {"Destination": theirs}, "OnSuccess": {"Destination": {"Ref": "DoneTopic"}}}
    assert statements(res, "QuietRole")[1:] == [
        {"Action": ["events:PutEvents"], "Effect": "Allow", "Resource": [theirs]},
        {"Action": ["sns:Publish"], "Effect": "Allow", "Resource": [{"Ref": "DoneTopic"}]},
        {"Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Effect": "Allow", "Resource": [KEY]},
    ]


def test_on_success_takes_existing_queues_and_topics_as_their_arns(stack: Stack) -> None:
    queue = SqsQueue.from_arn("arn:aws:sqs:us-east-1:123456789012:done", kms_key=KEY)
    fn(stack, on_success=queue, on_failure=SnsTopic.from_arn("arn:aws:sns:us-east-1:123456789012:failed"))
    res = resources(stack)
    assert res["FnEventInvokeConfig"]["Properties"]["DestinationConfig"] == {
        "OnFailure": {"Destination": "arn:aws:sns:us-east-1:123456789012:failed"},
        "OnSuccess": {"Destination": "arn:aws:sqs:us-east-1:123456789012:done"},
    }
    assert statements(res, "FnRole")[1:] == [
        {"Action": ["sns:Publish"], "Effect": "Allow", "Resource": ["arn:aws:sns:us-east-1:123456789012:failed"]},
        {"Action": ["sqs:SendMessage"], "Effect": "Allow", "Resource": ["arn:aws:sqs:us-east-1:123456789012:done"]},
        # the existing queue's customer-managed key: sending to it encrypts with it
        {"Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Effect": "Allow", "Resource": [KEY]},
    ]


@pytest.mark.parametrize(
    ("options", "fld", "says"),
    [
        ({"max_event_age_seconds": 59}, "max_event_age_seconds", "59 is out of range; allowed: 60 to 21600"),
        ({"max_event_age_seconds": 21601}, "max_event_age_seconds", "allowed: 60 to 21600"),
        ({"max_event_age_seconds": "60"}, "max_event_age_seconds", "is not a whole number"),
        ({"max_retry_attempts": 3}, "max_retry_attempts", "3 is out of range; allowed: 0 to 2"),
        ({"max_retry_attempts": -1}, "max_retry_attempts", "allowed: 0 to 2"),
        ({"on_success": "arn:aws:s3:::bucket"}, "on_success", "arn:aws:events:REGION:ACCOUNT:event-bus/NAME"),
        ({"on_success": "done"}, "on_success", "arn:aws:lambda:REGION:ACCOUNT:function:NAME"),
        ({"on_success": 7}, "on_success", "allowed: an SQS queue, SNS topic or event bus of this stack"),
        ({"on_success": "arn:aws:sqs:${AWS::Foo}:1:q"}, "on_success", "placeholder ${AWS::Foo}"),
    ],
)
def test_bad_async_settings_are_located_spec_errors(stack: Stack, options: dict[str, Any], fld: str, says: str) -> None:
    err = spec_error(lambda: fn(stack, **options))
    assert (err.stack, err.resource, err.field) == ("opts", "Fn", fld)
    assert says in str(err)


def test_on_success_of_another_stack_is_imported_or_refused_for_a_bus(stack: Stack, tmp_path: Path) -> None:
    other = Stack("other", base_dir=tmp_path)
    fn(stack, "Fn0", on_success=other.sqs_queue("Queue"))  # another stack's queue or topic: its ARN is imported
    fn(stack, "Fn1", on_success=other.sns_topic("Topic"))
    err = spec_error(lambda: fn(stack, "Fn2", on_success=other.event_bus("Bus")))
    assert err.field == "on_success" and "belongs to stack other" in str(err)
    stack.template()
    assert sorted(stack.imports) == ["OtherQueueQueueArn", "OtherTopicTopicArn"]
