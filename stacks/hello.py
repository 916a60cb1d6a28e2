"""A plain function: code, role, log group. The smallest useful stack."""

from cfngen import Stack

stack = Stack("cfngen-demo-hello", description="cfngen example: a plain function")
stack.function(
    "Hello",
    code="functions/hello",
    handler="app.handler",
    runtime="python3.12",
    memory=128,
    timeout=10,
    environment={"LEVEL": "info"},
)
