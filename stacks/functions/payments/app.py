"""Example function for the payments stack: reports where its resources are (from the environment) and echoes."""

import json
import os

WIRED = ("ACCOUNTS_TABLE", "RECEIPTS_BUCKET", "OUTBOX_URL", "EVENTS_TOPIC", "TOKEN_ARN", "STAGE")


def handler(event, context):
    wiring = {name: os.environ.get(name) for name in WIRED}
    print(json.dumps({"stack": "payments", "wiring": wiring, "event": event}))
    return {"ok": True, "received": event}
