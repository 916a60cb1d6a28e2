"""`cfngen init`: a new project as data (path -> text), ready to render, lint --strict and deploy --local.

Pure: `files(name)` returns the scaffold; the CLI checks that none of it exists yet (init never overwrites
a file) and writes it. The stack is one function fed by a Kinesis stream the stack creates, so it deploys
on the emulator and on AWS with nothing to create first.
"""

from __future__ import annotations

import re

PYPROJECT = """\
# cfngen reads its settings from [tool.cfngen]: keys are the long option names (cfngen <command> --help).
[tool.cfngen]
stacks-dir = "stacks"
templates-dir = "templates"
strict = true  # lint and deploy refuse cfn-lint warnings too
"""

STACK = '''\
"""{name}: a function fed by a Kinesis stream the stack creates.

Render it (cfngen render), lint it (cfngen lint --strict), and try it without an AWS account:
cfngen deploy --local, then cfngen status --local.
"""

from cfngen import Stack

stack = Stack("{name}", description="{name}: Kinesis stream -> function")
handler = stack.function(
    "Handler", code="functions/handler", handler="app.handler", runtime="python3.12", memory=128, timeout=30
)
events = stack.kinesis_stream("Events", shards=1)
handler.add_event_source(events, starting_position="LATEST", batch_size=100)
'''

HANDLER = '''\
"""The function's code: Kinesis records arrive base64-encoded, in batches."""

import base64
import json


def handler(event, context):
    records = event.get("Records", [])
    for record in records:
        data = base64.b64decode(record["kinesis"]["data"]).decode("utf-8", "replace")
        print(json.dumps({"partition_key": record["kinesis"]["partitionKey"], "data": data}))
    return {"records": len(records)}
'''

GITIGNORE = """\
# cfngen's builds, caches and the emulator's state
.cfngen/
__pycache__/
*.pyc
.venv/
"""

PRE_COMMIT = """\
# pre-commit (https://pre-commit.com): `pre-commit install`, then a commit fails when templates/ is stale.
repos:
  - repo: local
    hooks:
      - id: cfngen-check
        name: cfngen check (committed templates are current)
        entry: cfngen check
        language: system
        pass_filenames: false
        files: ^(stacks/|templates/|pyproject\\.toml$)
"""


def stack_name(folder_name: str) -> str:
    """A CloudFormation stack name from the project folder's name: letters, digits and hyphens, starting
    with a letter, at most 128 characters."""
    name = re.sub(r"[^A-Za-z0-9-]+", "-", folder_name).strip("-")
    name = re.sub(r"^[^A-Za-z]+", "", name)
    return name[:128].rstrip("-") or "my-service"


def files(name: str, stacks_dir: str = "stacks", templates_dir: str = "templates") -> dict[str, str]:
    """The scaffold: path (relative to the project folder) -> text."""
    pyproject = PYPROJECT.replace('"stacks"', f'"{stacks_dir}"').replace('"templates"', f'"{templates_dir}"')
    module = re.sub(r"\W+", "_", name.lower()).strip("_") or "service"
    return {
        "pyproject.toml": pyproject,
        f"{stacks_dir}/{module}.py": STACK.format(name=name),
        f"{stacks_dir}/functions/handler/app.py": HANDLER,
        ".gitignore": GITIGNORE,
        ".pre-commit-config.yaml": PRE_COMMIT,
    }
