"""Example function for the workers stack: logs what it received and echoes it back."""

import json


def handler(event, context):
    print(json.dumps({"stack": "workers", "event": event}))
    return {"ok": True, "received": event}
