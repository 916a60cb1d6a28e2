"""Running one piece of work per stack in dependency order, independent stacks at the same time.

`run` takes a graph (stack -> the stacks that must finish first: producers for deploy, consumers for
delete) and starts each stack once everything it depends on has succeeded, at most `concurrency` at once.
A failure (a `CfngenError`) marks every stack that depends on it "not attempted" and lets independent ones
finish. With `concurrency` 1 everything runs in the calling thread, exactly as one loop would.

Threads, not processes: the work waits on CloudFormation. boto3 clients are thread-safe, a boto3 session is
not, so the threads share the run's clients through `Shared`, which creates each one under a lock.

Ctrl-C reaches only the main thread. It sets `Stop`; each thread's `Io.sleep` (every wait in the engine polls
through it) and `Stop.check` then raise KeyboardInterrupt inside that thread, so each stack takes the clean-up
path a single deploy takes (its change set deleted, or "still updating" said), and `run` re-raises once all
threads are done. No new stack starts after it.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from cfngen import stackgraph
from cfngen.deploy.events import no_step
from cfngen.errors import CfngenError

if TYPE_CHECKING:
    from cfngen.deploy.events import Io
    from cfngen.deploy.session import AwsClients

T = TypeVar("T")


class Status(StrEnum):
    DONE = "done"
    FAILED = "failed"
    NOT_ATTEMPTED = "not attempted"


@dataclass
class Finished(Generic[T]):
    name: str
    status: Status
    value: T | None = None
    error: CfngenError | None = None
    duration_s: float = 0.0
    blocked_by: str | None = None  # for NOT_ATTEMPTED: the failed stack it depends on


class Stop:
    """Ctrl-C for every thread of a run: set once, seen at the next sleep or check of each thread."""

    def __init__(self) -> None:
        self.event = threading.Event()

    def set(self) -> None:
        self.event.set()

    def check(self) -> None:
        if self.event.is_set():
            raise KeyboardInterrupt

    def sleep(self, seconds: float) -> None:
        if self.event.wait(seconds):
            raise KeyboardInterrupt


class Shared:
    """The run's clients for several threads: created one at a time (a boto3 session is not thread-safe),
    then used freely (clients are)."""

    def __init__(self, aws: AwsClients) -> None:
        self.aws = aws
        self.region_name = aws.region_name
        self._lock = threading.Lock()

    def client(self, service: Any) -> Any:
        with self._lock:
            return self.aws.client(service)


def stack_io(io: Io, name: str, stop: Stop, lock: threading.Lock, *, prefix: bool) -> Io:
    """The run's Io for one stack's thread: its sleep stops at Ctrl-C; with `prefix` (several stacks at once),
    each line starts with the stack's name (once: lines that already do are left alone) and long steps show no
    spinner (several would draw over each other: the events and the summary say what happened)."""

    def echo(line: str) -> None:
        if prefix and not line.startswith(f"{name}: "):
            line = f"{name}: {line.lstrip() if line.startswith('  ') else line}"
        with lock:
            io.echo(line)

    def sleep(seconds: float) -> None:
        if io.sleep is time.sleep:
            stop.sleep(seconds)  # wakes at once when Stop is set
        else:  # a test's clock: keep it, and still stop
            stop.check()
            io.sleep(seconds)
            stop.check()

    return dataclasses.replace(io, echo=echo, sleep=sleep, step=no_step if prefix else io.step)


def run(
    graph: Mapping[str, Sequence[str]],
    work: Callable[[str], T],
    *,
    concurrency: int,
    stop: Stop | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> list[Finished[T]]:
    """Each stack's work, in dependency order (see the module doc); the results in `stackgraph.order`."""
    order = stackgraph.order(graph)  # a cycle is a SpecError before anything starts
    deps = stackgraph.within(graph)
    stop = stop or Stop()
    finished: dict[str, Finished[T]] = {}

    def one(name: str) -> Finished[T]:
        started = clock()
        try:
            value = work(name)
        except CfngenError as exc:
            return Finished(name, Status.FAILED, error=exc, duration_s=clock() - started)
        return Finished(name, Status.DONE, value=value, duration_s=clock() - started)

    def blocked(name: str) -> str | None:
        for dep in deps[name]:
            if dep in finished and finished[dep].status is not Status.DONE:
                return finished[dep].blocked_by or dep
        return None

    def ready() -> list[str]:
        out = []
        for name in order:
            if name in finished or name in running.values():
                continue
            if (cause := blocked(name)) is not None:
                finished[name] = Finished(name, Status.NOT_ATTEMPTED, blocked_by=cause)
            elif all(d in finished for d in deps[name]):
                out.append(name)
        return out

    running: dict[concurrent.futures.Future[Finished[T]], str] = {}
    if concurrency <= 1:
        while todo := ready():
            finished[todo[0]] = one(todo[0])
        return [finished[n] for n in order]
    with concurrent.futures.ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="cfngen") as pool:
        try:
            while True:
                for name in ready()[: concurrency - len(running)]:
                    running[pool.submit(one, name)] = name
                if not running:
                    break
                done, _ = concurrent.futures.wait(running, return_when=concurrent.futures.FIRST_COMPLETED)
                for future in done:
                    finished[running.pop(future)] = future.result()  # a bug (not a CfngenError) propagates
        except BaseException:  # Ctrl-C (or a bug) in the waiting thread: stop every thread, let each clean up
            stop.set()
            concurrent.futures.wait(running)
            raise
    return [finished[n] for n in order]
