"""A function wired to the resources it uses: references and grants ("Wiring" in the README).

The Api function writes to a table the stack creates, reads a bucket, sends to a queue, publishes to a topic and
reads a secret that exists outside the stack. Each of them reaches the function twice: its name, URL or ARN in the
environment (rendered as Ref / Fn::GetAtt / Fn::Sub, never written out), and a grant with the exact actions,
scoped to exactly that resource. The Stage parameter (`cfngen deploy --parameter Stage=prod`) reaches the
function's environment and its fixed name, and is kept by later deploys until `--parameter` sets it again.
The function is invoked through its alias `live` ("Aliases and versions" in the README).
"""

from cfngen import Secret, Stack

stack = Stack(
    "cfngen-demo-payments",
    description="cfngen example: a function wired to a table, bucket, queue, topic",
    tags={"team": "payments"},  # on every resource that takes tags, and on the stack itself at deploy
)
stage = stack.parameter("Stage", default="dev", allowed=["dev", "prod"], description="Deployment stage")
accounts = stack.dynamodb_table("Accounts", partition_key="id")
receipts = stack.s3_bucket("Receipts")
outbox = stack.sqs_queue("Outbox")
events = stack.sns_topic("Events")
# Not created here: the secret's value stays in Secrets Manager; the function gets its ARN and the right to read it.
token = Secret.from_arn(
    "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:cfngen-demo-payments-api-AbCdEf"
)

api = stack.function(
    "Api",
    code="functions/payments",
    handler="app.handler",
    runtime="python3.12",
    timeout=10,
    function_name="cfngen-demo-payments-" + stage,
    # Each code change publishes a version and moves the alias to it; invoke and smoke tests go through the alias.
    alias="live",
    environment={
        "ACCOUNTS_TABLE": accounts.name,
        "RECEIPTS_BUCKET": receipts.name,
        "OUTBOX_URL": outbox.url,
        "EVENTS_TOPIC": events.arn,
        "TOKEN_ARN": token.arn,
        "STAGE": stage,
    },
)
accounts.grant_read_write(api)
receipts.grant_read(api)
outbox.grant_send(api)
events.grant_publish(api)
token.grant_read(api)
