"""Kinesis pull, created disabled until the deployment is tested ("disable until tested").

Enable it later with `cfngen enable cfngen-demo-orders` (a parameter-only stack update).
"""

from cfngen import Stack

stack = Stack("cfngen-demo-orders", description="cfngen example: Kinesis stream -> function, disabled until tested")
processor = stack.function(
    "Processor", code="functions/orders", handler="app.handler", runtime="python3.12", memory=256, timeout=30
)
orders = stack.kinesis_stream("Orders", shards=1, stream_name="cfngen-demo-orders")
processor.add_event_source(orders, starting_position="LATEST", batch_size=100, enabled=False, bisect_on_error=True)
