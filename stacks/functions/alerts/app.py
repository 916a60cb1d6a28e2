"""Example function for the alerts stack: logs what it received and echoes it back."""

import json


def handler(event, context):
    print(json.dumps({"stack": "alerts", "event": event}))
    return {"ok": True, "received": event}
