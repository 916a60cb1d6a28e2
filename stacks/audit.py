"""DynamoDB stream pull: every change to the Audit table reaches the function."""

from cfngen import Stack

stack = Stack("cfngen-demo-audit", description="cfngen example: DynamoDB stream -> function")
auditor = stack.function("Auditor", code="functions/audit", handler="app.handler", runtime="python3.12")
table = stack.dynamodb_table("Audit", partition_key="pk", sort_key="sk", stream_view="NEW_AND_OLD_IMAGES")
auditor.add_event_source(table, starting_position="TRIM_HORIZON", batch_size=50, max_retries=3)
