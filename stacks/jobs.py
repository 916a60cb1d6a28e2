"""SQS and EventBridge: a job queue with a dead-letter queue, a rule on a custom bus, and a nightly schedule.

The queue is encrypted with SQS-managed keys, refuses requests without TLS, and moves a message to its
dead-letter queue after 5 failed receives; its visibility timeout is 6x the runner's timeout (AWS's guidance).
The runner reports failed messages one by one (report_batch_item_failures), so a batch is not retried whole.
EventBridge invokes the reactor asynchronously: what still fails after Lambda's retries goes to the Failed queue.
"""

from cfngen import Stack

stack = Stack("cfngen-demo-jobs", description="cfngen example: SQS queue, EventBridge rule and schedule -> functions")
jobs = stack.sqs_queue("Jobs", queue_name="cfngen-demo-jobs")
runner = stack.function("JobRunner", code="functions/jobs", handler="app.run", runtime="python3.12", timeout=20)
runner.add_event_source(
    jobs, batch_size=20, batching_window_seconds=2, report_batch_item_failures=True, max_concurrency=5
)

failed = stack.sqs_queue("Failed", retention_seconds=1209600, max_receive_count=None)
reactor = stack.function("Reactor", code="functions/jobs", handler="app.react", runtime="python3.12", on_failure=failed)
shop = stack.event_bus("Shop", bus_name="cfngen-demo-shop")
reactor.add_event_source(stack.event_rule("OrderPlaced", pattern={"source": ["shop.orders"]}, bus=shop))
reactor.add_event_source(stack.schedule("Nightly", "cron(0 3 * * ? *)"), input={"job": "nightly"})
# Created disabled: `cfngen enable cfngen-demo-jobs Often` switches it on (a parameter-only stack update).
reactor.add_event_source(stack.schedule("Often", "rate(5 minutes)", enabled=False), input={"job": "often"})
