"""Example functions for the jobs stack: an SQS batch runner that reports failed messages one by one, and a
reactor for EventBridge events and schedules."""

import json


def run(event, context):
    failures = []
    for record in event.get("Records", []):
        try:
            job = json.loads(record["body"])
            print(json.dumps({"stack": "jobs", "job": job}))
        except (KeyError, ValueError):
            failures.append({"itemIdentifier": record.get("messageId", "")})
    # Only the messages listed here return to the queue (FunctionResponseTypes: ReportBatchItemFailures).
    return {"batchItemFailures": failures}


def react(event, context):
    print(json.dumps({"stack": "jobs", "event": event}))
    return {"ok": True, "received": event}
