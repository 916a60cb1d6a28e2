"""`cfngen logs`: a function's log events from its log group, found through the stack's resources.

The builders give each function its own log group (`/aws/lambda/<stack>/<Function>`, names.log_group); its
physical id is the group's name, so nothing is guessed from names. Events come from CloudWatch Logs
FilterLogEvents, every page, from `since` on; `follow` polls again with backoff (each poll starts at the
last event seen, and events already printed are skipped by id) until interrupted.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from cfngen import names
from cfngen.deploy.events import Io, delays
from cfngen.deploy.stacks import require, stack_resources
from cfngen.errors import UsageError

if TYPE_CHECKING:
    from mypy_boto3_logs.type_defs import FilteredLogEventTypeDef

    from cfngen.deploy.session import AwsClients

_DURATION = re.compile(r"^(\d+)([smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_since(text: str) -> dt.timedelta:
    """`10m`, `2h`, `30s`, `1d`, `1w`: how far back to start."""
    found = _DURATION.match(text.strip())
    if not found:
        raise UsageError(f"--since {text!r} is not a duration; allowed: a number and s, m, h, d or w (e.g. 10m, 2h)")
    return dt.timedelta(seconds=int(found.group(1)) * _UNITS[found.group(2)])


def log_groups(aws: AwsClients, stack: str) -> dict[str, str]:
    """Function name (as in the spec) -> its log group's name, from the stack's resources."""
    cfn = aws.client("cloudformation")
    require(cfn, stack, hint="deploy it first: cfngen deploy " + stack)
    return {
        names.log_group.stem(str(r["LogicalResourceId"])): str(r["PhysicalResourceId"])
        for r in stack_resources(cfn, stack)
        if r.get("ResourceType") == "AWS::Logs::LogGroup" and r.get("PhysicalResourceId")
    }


def choose(groups: dict[str, str], stack: str, function: str | None) -> dict[str, str]:
    """The named function's group, or every group when none is named."""
    if not groups:
        raise UsageError(f"stack {stack} has no function log groups")
    if function is None:
        return groups
    if function in groups:
        return {function: groups[function]}
    near = difflib.get_close_matches(function, list(groups), n=1)
    raise UsageError(
        f"stack {stack} has no function {function!r}; functions: {', '.join(sorted(groups))}",
        hint=f"did you mean {near[0]!r}?" if near else None,
    )


def events(aws: AwsClients, group: str, start_ms: int) -> Iterator[FilteredLogEventTypeDef]:
    """Every event of the group from start_ms on (all pages, all streams)."""
    logs = aws.client("logs")
    pages = logs.get_paginator("filter_log_events").paginate(logGroupName=group, startTime=start_ms)
    for page in pages:
        yield from page.get("events", [])


def line(function: str, event: FilteredLogEventTypeDef, *, prefix: bool) -> str:
    when = dt.datetime.fromtimestamp(event.get("timestamp", 0) / 1000, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    text = str(event.get("message", "")).rstrip("\n")
    return f"{when[:-3]}Z {function + ' ' if prefix else ''}{text}"


def tail(
    aws: AwsClients, groups: dict[str, str], since: dt.timedelta, io: Io, *, follow: bool, limit: float | None = None
) -> int:
    """Print the groups' events from `since` ago, oldest first; with `follow`, keep polling (backoff from
    50 ms to 5 s, back to the start when something arrives) until interrupted, or for `limit` seconds.
    Returns the number of events printed."""
    start = int((io.now() - since).timestamp() * 1000)
    marks = dict.fromkeys(groups, start)
    seen: set[str] = set()
    printed = 0
    deadline = None if limit is None else io.clock() + limit
    waits = delays(io.rng)
    while True:
        fresh = []
        for function, group in groups.items():
            for event in events(aws, group, marks[function]):
                key = f"{group}/{event.get('eventId', '')}/{event.get('timestamp')}/{event.get('message')}"
                if key in seen:
                    continue
                seen.add(key)
                marks[function] = max(marks[function], int(event.get("timestamp", 0)))
                fresh.append((int(event.get("timestamp", 0)), function, event))
        for _when, function, event in sorted(fresh, key=lambda item: item[0]):
            io.echo(line(function, event, prefix=len(groups) > 1))
        printed += len(fresh)
        if not follow or (deadline is not None and io.clock() >= deadline):
            return printed
        waits = delays(io.rng) if fresh else waits
        io.sleep(next(waits))
