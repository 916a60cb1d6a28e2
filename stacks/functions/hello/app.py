"""Example function for the hello stack: logs what it received and echoes it back."""

import json


def handler(event, context):
    print(json.dumps({"stack": "hello", "event": event}))
    return {"ok": True, "received": event}
