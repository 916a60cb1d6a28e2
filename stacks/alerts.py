"""SNS push: high-severity alerts published to the topic invoke the function.

SNS invokes the function asynchronously: an alert that still fails after Lambda's retries goes to the Failures
topic (`on_failure`) instead of vanishing. The uploads and workers examples send their failures there too.
Both topics are encrypted at rest with SNS's AWS-managed key, cfngen's default.
"""

from cfngen import Stack

stack = Stack("cfngen-demo-alerts", description="cfngen example: SNS topic -> function")
failures = stack.sns_topic("Failures", display_name="cfngen demo failed events", topic_name="cfngen-demo-failures")
notifier = stack.function(
    "Notifier", code="functions/alerts", handler="app.handler", runtime="python3.12", on_failure=failures
)
topic = stack.sns_topic("Alerts", display_name="cfngen demo alerts", topic_name="cfngen-demo-alerts")
notifier.add_event_source(topic, filter_policy={"severity": ["high"]})
