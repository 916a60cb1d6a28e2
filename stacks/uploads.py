"""S3 push: objects created under incoming/ with a .csv suffix invoke the function.

The bucket's name is fixed at render time (stack, bucket, account and region), so the permission names
its SourceArn without referring to the bucket and there is no dependency cycle.
"""

from cfngen import Stack

stack = Stack("cfngen-demo-uploads", description="cfngen example: S3 bucket notifications -> function")
ingest = stack.function("Ingest", code="functions/uploads", handler="app.handler", runtime="python3.12", timeout=60)
bucket = stack.s3_bucket("Uploads", versioning=True)
ingest.add_event_source(bucket, events=["s3:ObjectCreated:*"], prefix="incoming/", suffix=".csv")
