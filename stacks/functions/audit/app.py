"""Example function for the audit stack: logs what it received and echoes it back."""

import json


def handler(event, context):
    print(json.dumps({"stack": "audit", "event": event}))
    return {"ok": True, "received": event}
