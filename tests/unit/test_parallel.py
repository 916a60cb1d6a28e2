"""The scheduler (cfngen/deploy/parallel.py): ordering, the concurrency limit, failures, Ctrl-C."""

from __future__ import annotations

import threading
import time

import pytest

from cfngen.deploy import parallel
from cfngen.errors import OperationFailed


class Recorder:
    """Work that records when each stack starts and ends, and how many run at once."""

    def __init__(self, seconds: float = 0.05, fail: frozenset[str] = frozenset()) -> None:
        self.seconds, self.fail = seconds, fail
        self.lock = threading.Lock()
        self.events: list[tuple[str, str]] = []
        self.running = 0
        self.most = 0

    def __call__(self, name: str) -> str:
        with self.lock:
            self.events.append(("start", name))
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(self.seconds)
        with self.lock:
            self.running -= 1
            self.events.append(("end", name))
        if name in self.fail:
            raise OperationFailed(f"{name}: deploy failed")
        return name.upper()

    def ended_before_started(self, first: str, then: str) -> bool:
        return self.events.index(("end", first)) < self.events.index(("start", then))


GRAPH = {"consumer": ["producer"], "a": [], "b": [], "c": [], "d": [], "producer": []}


@pytest.mark.parametrize("concurrency", [1, 2, 4])
def test_producers_finish_before_their_consumers_start(concurrency: int) -> None:
    work = Recorder()
    finished = parallel.run(GRAPH, work, concurrency=concurrency)
    assert work.ended_before_started("producer", "consumer")
    assert [f.value for f in finished] == ["A", "B", "C", "D", "PRODUCER", "CONSUMER"]
    assert all(f.status is parallel.Status.DONE for f in finished)


@pytest.mark.parametrize("concurrency", [1, 2, 3])
def test_never_more_than_concurrency_at_once(concurrency: int) -> None:
    work = Recorder()
    parallel.run({n: [] for n in "abcdef"}, work, concurrency=concurrency)
    assert work.most == concurrency


def test_independent_stacks_run_at_the_same_time() -> None:
    work = Recorder(seconds=0.3)
    started = time.monotonic()
    parallel.run({n: [] for n in "abcd"}, work, concurrency=4)
    assert time.monotonic() - started < 0.9  # one at a time takes 1.2 s


@pytest.mark.parametrize("concurrency", [1, 4])
def test_a_failure_stops_its_dependents_and_lets_independent_stacks_finish(concurrency: int) -> None:
    graph = {"producer": [], "consumer": ["producer"], "second": ["consumer"], "a": [], "b": []}
    work = Recorder(fail=frozenset({"producer"}))
    finished = {f.name: f for f in parallel.run(graph, work, concurrency=concurrency)}
    assert finished["producer"].status is parallel.Status.FAILED
    assert "producer: deploy failed" in str(finished["producer"].error)
    assert finished["consumer"].status is parallel.Status.NOT_ATTEMPTED
    assert finished["second"].status is parallel.Status.NOT_ATTEMPTED
    assert finished["second"].blocked_by == "producer"  # the cause, not the stack in between
    assert finished["a"].status is finished["b"].status is parallel.Status.DONE
    assert ("start", "consumer") not in work.events


def test_ctrl_c_stops_every_thread_and_starts_nothing_new() -> None:
    """Ctrl-C in the waiting thread sets Stop: each running stack raises KeyboardInterrupt at its next sleep (its
    clean-up path), nothing new starts, and run re-raises once all are done."""
    stop = parallel.Stop()
    cleaned: list[str] = []

    def work(name: str) -> None:
        if name == "boom":
            time.sleep(0.1)
            raise KeyboardInterrupt  # as the main thread would get it: here via the worker, same path
        try:
            for _ in range(100):
                stop.sleep(0.05)
        except KeyboardInterrupt:
            cleaned.append(name)
            raise

    with pytest.raises(KeyboardInterrupt):
        parallel.run({"a": [], "b": [], "boom": [], "later": ["a"]}, work, concurrency=3, stop=stop)
    assert sorted(cleaned) == ["a", "b"]
    assert stop.event.is_set()


def test_a_cycle_fails_before_anything_runs() -> None:
    work = Recorder()
    with pytest.raises(Exception, match="a -> b -> a"):
        parallel.run({"a": ["b"], "b": ["a"]}, work, concurrency=2)
    assert work.events == []


def test_stack_io_prefixes_lines_only_when_several_stacks_run() -> None:
    from cfngen.deploy.events import Io

    lines: list[str] = []
    io = Io(echo=lines.append)
    lock, stop = threading.Lock(), parallel.Stop()
    parallel.stack_io(io, "orders", stop, lock, prefix=True).echo("  12:00:00 CREATE_COMPLETE Stream")
    parallel.stack_io(io, "orders", stop, lock, prefix=True).echo("orders: up to date")
    parallel.stack_io(io, "orders", stop, lock, prefix=False).echo("  12:00:01 CREATE_COMPLETE Fn")
    assert lines == ["orders: 12:00:00 CREATE_COMPLETE Stream", "orders: up to date", "  12:00:01 CREATE_COMPLETE Fn"]


def test_stack_io_keeps_a_fake_sleep_and_stops_at_it() -> None:
    from cfngen.deploy.events import Io

    slept: list[float] = []
    stop = parallel.Stop()
    io = parallel.stack_io(Io(sleep=slept.append), "a", stop, threading.Lock(), prefix=False)
    io.sleep(3.0)
    assert slept == [3.0]
    stop.set()
    with pytest.raises(KeyboardInterrupt):
        io.sleep(1.0)
