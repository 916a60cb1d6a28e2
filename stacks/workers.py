"""Consuming other stacks' sources: the orders stream, the audit table's stream, the jobs queue, the failures topic.

`from orders import orders` imports the very stream the orders stack creates. cfngen notices it belongs to another
stack and renders a parameter for each value workers needs (the stream's ARN, ...), listed in the template's
Metadata; deploy fills them from the producers' outputs, so nothing is guessed or hard-coded, and deploys the
producers first. A topic and a bucket that exist outside this project are named by ARN and name instead, with
${AWS::Partition}, ${AWS::Region} and ${AWS::AccountId}, so one template serves every account and region.
"""

from alerts import failures
from audit import table as audit_table
from jobs import jobs
from orders import orders

from cfngen import S3Bucket, SnsTopic, Stack

stack = Stack("cfngen-demo-workers", description="cfngen example: a function consuming other stacks' sources")
worker = stack.function(
    "Worker", code="functions/workers", handler="app.handler", runtime="python3.12", on_failure=failures
)
worker.add_event_source(orders, starting_position="LATEST", enabled=False)
worker.add_event_source(audit_table, starting_position="LATEST", enabled=False)
# The jobs example's queue: created disabled, so its own runner keeps the jobs until this one is tested.
worker.add_event_source(jobs, batch_size=10, enabled=False)
# A topic this project does not define, by ARN (the alerts example creates it, under this fixed name).
worker.add_event_source(
    SnsTopic.from_arn("arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:cfngen-demo-alerts", name="Alerts")
)
# CloudFormation cannot add a notification to a bucket another stack owns: cfngen emits the permission and
# says where the notification must be configured.
worker.add_event_source(
    S3Bucket.from_name("cfngen-demo-uploads-uploads-${AWS::AccountId}-${AWS::Region}", name="Uploads"),
    events=["s3:ObjectCreated:*"],
)
