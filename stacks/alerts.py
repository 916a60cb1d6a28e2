"""SNS push: high-severity alerts published to the topic invoke the function."""

from cfngen import Stack

stack = Stack("cfngen-demo-alerts", description="cfngen example: SNS topic -> function")
notifier = stack.function("Notifier", code="functions/alerts", handler="app.handler", runtime="python3.12")
topic = stack.sns_topic("Alerts", display_name="cfngen demo alerts", topic_name="cfngen-demo-alerts")
notifier.add_event_source(topic, filter_policy={"severity": ["high"]})
