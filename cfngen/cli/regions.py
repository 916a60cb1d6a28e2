"""The same command in several regions at once (`--region a --region b`): one thread per region.

Each region is a run of its own: its clients, its bootstrap bucket (named after the account and the region), its
lint of the templates for that region, its lines prefixed with the region. Ctrl-C reaches the main thread, which
stops every region's stacks the way one deploy stops its stacks (deploy/parallel.py). A region that fails does not
stop the others; the command then fails naming each failed region and why.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

from cfngen.deploy import parallel
from cfngen.deploy.events import Io, no_step

T = TypeVar("T")


def each(regions: Sequence[str], io: Io, work: Callable[[str, Io, parallel.Stop], T]) -> dict[str, T]:
    """`work(region, io, stop)` for every region at once; its results by region, or one error for the failures."""
    stop, lock = parallel.Stop(), threading.Lock()

    def one(region: str) -> T:
        def echo(line: str) -> None:
            with lock:
                io.echo(f"{region}: {line}")

        # Several regions at once: no spinner (they would draw over each other), every line says its region.
        quiet = dataclasses.replace(io, echo=echo, step=no_step)
        return work(region, quiet, stop)

    finished = parallel.run({r: [] for r in regions}, one, concurrency=len(regions), stop=stop, clock=io.clock)
    failed = [f for f in finished if f.error is not None]
    if failed:
        first = failed[0].error
        assert first is not None
        done = [f.name for f in finished if f.error is None]
        text = "".join(f"\n  {f.name}: {f.error.message if f.error else ''}" for f in failed)
        error = type(first)(
            f"{len(failed)} of {len(finished)} region(s) failed:{text}\n  succeeded: {', '.join(done) or 'none'}",
            hint=first.hint,
        )
        error.__cause__ = first
        raise error
    return {f.name: f.value for f in finished if f.value is not None}
