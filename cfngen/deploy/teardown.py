"""`cfngen delete` for several stacks: consumers before producers, independent ones in parallel.

The order comes from the deployed templates (their `cfngen:imports` Metadata, read with GetTemplate), not from
stacks/: what is deployed is what depends. A named stack that does not exist is a note, not an error (as
CloudFormation's DeleteStack treats it), so a teardown script can run twice. A failure stops the producers of
the stack that failed (they are still in use); independent stacks finish.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cfngen import stackgraph
from cfngen.definitions.imports import producers
from cfngen.deploy import parallel, stacks
from cfngen.deploy.settle import delete_stack
from cfngen.errors import CfngenError

if TYPE_CHECKING:
    from cfngen.deploy.events import Io
    from cfngen.deploy.session import AwsClients


@dataclass(frozen=True)
class Deleted:
    stack: str
    result: str  # "deleted", "not deployed", "failed", "not attempted"
    duration_s: float = 0.0


def deployed_graph(aws: AwsClients, names: Sequence[str]) -> tuple[dict[str, list[str]], list[str]]:
    """{stack: its producers} for the named stacks that exist, and the names that do not."""
    cfn = aws.client("cloudformation")
    graph: dict[str, list[str]] = {}
    missing: list[str] = []
    for name in names:
        if stacks.describe_stack(cfn, name) is None:
            missing.append(name)
        else:
            graph[name] = producers(stacks.deployed_template(cfn, name))
    return graph, missing


def delete_all(
    aws: AwsClients,
    names: Sequence[str],
    io: Io,
    *,
    timeout: float | None,
    concurrency: int = 1,
    on_start: Callable[[str], None] | None = None,
) -> list[Deleted]:
    """Delete the named stacks, consumers first; raises (with every stack's result in the message) when one fails."""
    graph, missing = deployed_graph(aws, names)
    for name in missing:
        io.echo(f"{name}: not deployed, nothing to delete")
    shared: AwsClients = parallel.Shared(aws) if concurrency > 1 else aws
    stop, lock = parallel.Stop(), threading.Lock()
    prefix = concurrency > 1 and len(graph) > 1

    def one(name: str) -> None:
        if on_start is not None:
            on_start(name)
        stack_io = parallel.stack_io(io, name, stop, lock, prefix=prefix)
        delete_stack(shared, name, stack_io, timeout=timeout)
        stack_io.echo(f"{name}: deleted")

    finished = parallel.run(stackgraph.reverse(graph), one, concurrency=concurrency, stop=stop, clock=io.clock)
    results = [Deleted(n, "not deployed") for n in missing]
    results += [Deleted(f.name, "deleted" if f.status is parallel.Status.DONE else str(f.status), f.duration_s)
                for f in finished]  # fmt: skip
    failed = [f for f in finished if f.error is not None]
    if failed:
        raise _failure(failed, finished)
    return results


def _failure(failed: Sequence[parallel.Finished[None]], finished: Sequence[parallel.Finished[None]]) -> CfngenError:
    first = failed[0].error
    assert first is not None
    lines = [f"{f.name}: {f.error.message}" for f in failed if f.error is not None]
    deleted = [f.name for f in finished if f.status is parallel.Status.DONE]
    kept = [f"{f.name} (still used by {f.blocked_by})" for f in finished if f.status is parallel.Status.NOT_ATTEMPTED]
    text = lines[0] if len(lines) == 1 else f"{len(lines)} stacks failed to delete:\n  " + "\n  ".join(lines)
    error = type(first)(
        f"{text}\n  deleted: {', '.join(deleted) or 'none'}\n  not attempted: {', '.join(kept) or 'none'}",
        hint=first.hint,
    )
    error.__cause__ = first
    return error
