"""Cross-stack references: a consumer using a producer's sources renders parameters deploy fills, never guesses.

Definitions and builders (pure), and stack discovery: `from orders import stream` in a stack file is the very
stream the orders file created, whichever file loads first.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from cfngen import DynamoDBTable, KinesisStream, S3Bucket, SnsTopic, SpecError, SqsQueue, Stack
from cfngen.definitions.imports import declared, producers
from cfngen.discover import discover

CODE = Path(__file__).resolve().parents[1] / "golden"


def _stack(name: str) -> Stack:
    return Stack(name, base_dir=CODE)


def _fn(stack: Stack, name: str = "Worker", **kw: Any) -> Any:
    return stack.function(name, code="code", handler="app.handler", runtime="python3.12", **kw)


def _template(stack: Stack) -> dict[str, Any]:
    return json.loads(stack.to_json())  # type: ignore[no-any-return]


def _producer() -> tuple[Stack, KinesisStream, DynamoDBTable, SqsQueue, SnsTopic, S3Bucket]:
    orders = _stack("shop-orders")
    stream = orders.kinesis_stream("Orders")
    table = orders.dynamodb_table("Audit", partition_key="pk", stream_view="NEW_IMAGE")
    queue = orders.sqs_queue("Jobs", visibility_timeout=60)
    topic = orders.sns_topic("Failures")
    bucket = orders.s3_bucket("Uploads")
    return orders, stream, table, queue, topic, bucket


def test_a_producer_stream_as_event_source_is_a_parameter_filled_from_its_output() -> None:
    orders, stream, *_ = _producer()
    workers = _stack("shop-workers")
    _fn(workers).add_event_source(stream, starting_position="LATEST")
    t = _template(workers)
    param = "ShopOrdersOrdersStreamArn"
    assert t["Metadata"]["cfngen:imports"] == {param: {"Output": "OrdersStreamArn", "Stack": "shop-orders"}}
    assert t["Parameters"][param]["Type"] == "String"
    assert t["Resources"]["WorkerOrdersMapping"]["Properties"]["EventSourceArn"] == {"Ref": param}
    assert "OrdersStream" not in t["Resources"]  # the consumer creates nothing of the producer's
    assert "OrdersStreamArn" in _template(orders)["Outputs"]  # and the producer has the output it reads
    assert [(i.parameter, i.stack, i.output) for i in declared(t)] == [(param, "shop-orders", "OrdersStreamArn")]
    assert producers(t) == ["shop-orders"]
    assert "shop-orders" not in json.dumps(t["Resources"])  # nothing guessed from the producer's name


def test_every_value_the_consumer_uses_is_imported_once_and_only_those() -> None:
    orders, stream, table, queue, topic, bucket = _producer()
    workers = _stack("shop-workers")
    fn = _fn(
        workers,
        on_failure=topic,
        environment={"TABLE": table.name, "QUEUE": queue.url, "KEY": "in/" + bucket.name, "STREAM": stream.name},
    )
    fn.add_event_source(table, starting_position="LATEST")
    table.grant_read(fn)
    queue.grant_send(fn)
    t = _template(workers)
    assert sorted(t["Metadata"]["cfngen:imports"]) == [
        "ShopOrdersAuditTableArn",
        "ShopOrdersAuditTableName",
        "ShopOrdersAuditTableStreamArn",
        "ShopOrdersFailuresTopicArn",
        "ShopOrdersJobsQueueArn",
        "ShopOrdersJobsQueueUrl",
        "ShopOrdersOrdersStreamName",
        "ShopOrdersUploadsBucketName",
    ]
    env = t["Resources"]["WorkerFunction"]["Properties"]["Environment"]["Variables"]
    assert env["TABLE"] == {"Ref": "ShopOrdersAuditTableName"}
    assert env["KEY"] == {"Fn::Sub": "in/${ShopOrdersUploadsBucketName}"}
    imported = {spec["Output"] for spec in t["Metadata"]["cfngen:imports"].values()}
    assert imported <= set(_template(orders)["Outputs"])  # every import names an output the producer renders


def test_from_stack_names_a_producer_outside_the_project() -> None:
    workers = _stack("shop-workers")
    fn = _fn(workers)
    fn.add_event_source(DynamoDBTable.from_stack("legacy-audit", "Audit"), starting_position="TRIM_HORIZON")
    fn.add_event_source(SqsQueue.from_stack("legacy-jobs", "Jobs"))
    t = _template(workers)
    assert t["Metadata"]["cfngen:imports"]["LegacyAuditAuditTableStreamArn"] == {
        "Output": "AuditTableStreamArn",
        "Stack": "legacy-audit",
    }
    assert producers(t) == ["legacy-audit", "legacy-jobs"]


@pytest.mark.parametrize(
    ("stack", "name", "field"),
    [("9bad", "Orders", "stack"), ("ok", "bad-name", "name"), (None, "Orders", "stack")],
)
def test_from_stack_refuses_bad_names(stack: Any, name: Any, field: str) -> None:
    with pytest.raises(SpecError) as err:
        KinesisStream.from_stack(stack, name)
    assert err.value.field == field
    assert err.value.resource == "KinesisStream.from_stack"


def test_a_parameter_of_another_stack_is_refused_with_the_fix() -> None:
    orders = _stack("shop-orders")
    stage = orders.parameter("Stage", default="dev")
    workers = _stack("shop-workers")
    with pytest.raises(SpecError) as err:
        _fn(workers, environment={"STAGE": stage})
    assert "Stage of stack shop-orders" in err.value.message
    assert "declare the same stack.parameter" in (err.value.hint or "")


def test_a_rule_of_another_stack_cannot_target_a_function_here() -> None:
    orders = _stack("shop-orders")
    rule = orders.schedule("Nightly", "rate(1 day)")
    with pytest.raises(SpecError) as err:
        _fn(_stack("shop-workers")).add_event_source(rule)
    assert "lists the rule's targets" in err.value.message


def test_a_queue_of_another_stack_whose_visibility_is_below_the_consumer_timeout_is_refused() -> None:
    orders = _stack("shop-orders")
    queue = orders.sqs_queue("Jobs")  # default 30 s: no consumer in its own stack
    with pytest.raises(SpecError) as err:
        _fn(_stack("shop-workers"), timeout=60).add_event_source(queue)
    assert "visibility timeout of 30 s" in err.value.message
    assert "shop-orders" in (err.value.hint or "") and "360" in (err.value.hint or "")


def test_the_same_producer_source_used_twice_is_one_source_and_one_parameter() -> None:
    _, stream, *_ = _producer()
    workers = _stack("shop-workers")
    fn = _fn(workers)
    fn.add_event_source(stream, starting_position="LATEST")
    with pytest.raises(SpecError, match="already a source of Worker"):
        fn.add_event_source(stream, starting_position="LATEST")
    stream.grant_read(fn)
    assert list(_template(workers)["Metadata"]["cfngen:imports"]) == ["ShopOrdersOrdersStreamArn"]


def _project(root: Path, files: dict[str, str]) -> Path:
    stacks = root / "stacks"
    (stacks / "code").mkdir(parents=True)
    (stacks / "code/app.py").write_text("def handler(e, c):\n    return e\n")
    for name, text in files.items():
        (stacks / name).write_text(textwrap.dedent(text))
    return stacks


PRODUCER = """
from cfngen import Stack
stack = Stack("p-stream")
stream = stack.kinesis_stream("Clicks")
"""
CONSUMER = """
from {module} import stream, stack as producer_stack
from cfngen import Stack
stack = Stack("c-worker")
stack.function("W", code="code", handler="app.handler", runtime="python3.12").add_event_source(
    stream, starting_position="LATEST")
"""


@pytest.mark.parametrize(
    ("producer", "consumer"), [("a_producer.py", "z_consumer.py"), ("z_producer.py", "a_consumer.py")]
)
def test_a_stack_file_imports_another_in_either_file_order(tmp_path: Path, producer: str, consumer: str) -> None:
    module = producer.removesuffix(".py")
    stacks = _project(tmp_path, {producer: PRODUCER, consumer: CONSUMER.format(module=module)})
    found = discover(stacks)
    assert sorted(s.name for s in found) == ["c-worker", "p-stream"]  # the imported stack is not counted twice
    by_name = {s.name: s for s in found}
    worker = by_name["c-worker"]
    view = worker.triggers[0].source
    assert view.producer is by_name["p-stream"]  # the very stack discover found, not a second copy
    assert producers(json.loads(worker.to_json())) == ["p-stream"]


def test_two_projects_in_one_process_do_not_share_stack_modules(tmp_path: Path) -> None:
    first = _project(tmp_path / "one", {"prod.py": PRODUCER, "cons.py": CONSUMER.format(module="prod")})
    assert len(discover(first)) == 2
    other = PRODUCER.replace("p-stream", "p-other")
    second = _project(tmp_path / "two", {"prod.py": other, "cons.py": CONSUMER.format(module="prod")})
    by_name = {s.name: s for s in discover(second)}
    assert by_name["c-worker"].triggers[0].source.producer is by_name["p-other"]
