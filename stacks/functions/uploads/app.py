"""Example function for the uploads stack: logs what it received and echoes it back."""

import json


def handler(event, context):
    print(json.dumps({"stack": "uploads", "event": event}))
    return {"ok": True, "received": event}
