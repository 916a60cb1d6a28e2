"""S3 push: objects created under incoming/ with a .csv suffix invoke the function.

The bucket is named, because another stack (workers) refers to it by name. An unnamed bucket gets a name
built from the id of the stack it is deployed as, so the same template can be deployed under several stack
names; either way the permission names its SourceArn without referring to the bucket (no dependency cycle).
S3 invokes the function asynchronously: events that fail every retry go to the alerts example's Failures topic.
"""

from cfngen import Stack

stack = Stack("cfngen-demo-uploads", description="cfngen example: S3 bucket notifications -> function")
ingest = stack.function(
    "Ingest",
    code="functions/uploads",
    handler="app.handler",
    runtime="python3.12",
    timeout=60,
    on_failure="arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:cfngen-demo-failures",  # from alerts
)
bucket = stack.s3_bucket(
    "Uploads", versioning=True, bucket_name="cfngen-demo-uploads-uploads-${AWS::AccountId}-${AWS::Region}"
)
ingest.add_event_source(bucket, events=["s3:ObjectCreated:*"], prefix="incoming/", suffix=".csv")
