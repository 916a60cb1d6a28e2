"""Example function for the orders stack: logs what it received and echoes it back."""

import json


def handler(event, context):
    print(json.dumps({"stack": "orders", "event": event}))
    return {"ok": True, "received": event}
