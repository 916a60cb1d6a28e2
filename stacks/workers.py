"""Sources that already exist: the stream, topic and bucket that the other examples create.

ARNs and names use ${AWS::Partition}, ${AWS::Region} and ${AWS::AccountId}, so one template serves every
account and region. Deploy after orders, alerts, uploads and jobs. Events SNS and S3 fail to deliver go to the alerts
example's Failures topic.
"""

from cfngen import KinesisStream, S3Bucket, SnsTopic, SqsQueue, Stack


def arn(service: str, resource: str) -> str:
    return f"arn:${{AWS::Partition}}:{service}:${{AWS::Region}}:${{AWS::AccountId}}:{resource}"


stack = Stack("cfngen-demo-workers", description="cfngen example: a function consuming sources that already exist")
worker = stack.function(
    "Worker",
    code="functions/workers",
    handler="app.handler",
    runtime="python3.12",
    on_failure=arn("sns", "cfngen-demo-failures"),
)
worker.add_event_source(
    KinesisStream.from_arn(arn("kinesis", "stream/cfngen-demo-orders"), name="Orders"),
    starting_position="LATEST",
    enabled=False,
)
worker.add_event_source(SnsTopic.from_arn(arn("sns", "cfngen-demo-alerts"), name="Alerts"))
# The jobs example's queue: created disabled, so its own runner keeps the jobs until this one is tested.
worker.add_event_source(SqsQueue.from_arn(arn("sqs", "cfngen-demo-jobs"), name="Jobs"), batch_size=10, enabled=False)
# CloudFormation cannot add a notification to a bucket another stack owns: cfngen emits the permission and
# says where the notification must be configured.
worker.add_event_source(
    S3Bucket.from_name("cfngen-demo-uploads-uploads-${AWS::AccountId}-${AWS::Region}", name="Uploads"),
    events=["s3:ObjectCreated:*"],
)
