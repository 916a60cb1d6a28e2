"""The order stacks deploy and delete in, from the values they take from each other. Pure: no AWS.

A consumer names its producers (the stacks its template imports values from, `deploy/imports.py`); producers
deploy first and are deleted last. `waves` groups the stacks into rounds whose members do not depend on each
other (what may run in parallel); a cycle is a SpecError naming it, since no order can satisfy it.

Producers outside the given set are not ordered here: a stack in the project but not selected is not
deployed, and its consumer reads what is deployed (or fails clearly, `imports.resolve`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from cfngen.definitions.imports import producers
from cfngen.errors import SpecError

if TYPE_CHECKING:
    from cfngen.definitions import Stack

Graph = Mapping[str, Iterable[str]]  # stack -> the stacks it depends on (deploy: its producers)


def within(graph: Graph) -> dict[str, list[str]]:
    """The graph restricted to its own stacks: dependencies on stacks outside it are dropped."""
    return {name: sorted({d for d in deps if d in graph and d != name}) for name, deps in graph.items()}


def find_cycle(graph: Graph) -> list[str] | None:
    """One cycle as a path that returns to its start (["a", "b", "a"]), or None."""
    deps = within(graph)
    state: dict[str, int] = {}  # 1 visiting, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in deps[node]:
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in deps:  # in the given order: the reported cycle starts at the first stack that is in one
        if node not in state and (found := visit(node)):
            return found
    return None


def check(graph: Graph) -> None:
    """A cycle between stacks is a SpecError naming it (exit 2)."""
    cycle = find_cycle(graph)
    if cycle:
        raise SpecError(
            f"stacks depend on each other in a cycle: {' -> '.join(cycle)}; no order can deploy them",
            hint="a stack may take values only from stacks that do not take values from it: move the shared "
            "resource into one of them, or into a stack of its own",
        )


def waves(graph: Graph) -> list[list[str]]:
    """Rounds of stacks, producers before consumers; the stacks within a round are independent. Within a
    round, stacks keep the order they were given in."""
    check(graph)
    deps = within(graph)
    done: set[str] = set()
    out: list[list[str]] = []
    while len(done) < len(deps):
        ready = [n for n in deps if n not in done and all(d in done for d in deps[n])]
        out.append(ready)
        done.update(ready)
    return out


def order(graph: Graph) -> list[str]:
    """Every stack once, producers before consumers."""
    return [name for wave in waves(graph) for name in wave]


def reverse(graph: Graph) -> dict[str, list[str]]:
    """For deletion: each stack depends on its consumers (they go first)."""
    deps = within(graph)
    out: dict[str, list[str]] = {name: [] for name in deps}
    for consumer, theirs in deps.items():
        for producer in theirs:
            out[producer].append(consumer)
    return {name: sorted(v) for name, v in out.items()}


def dependents(graph: Graph, failed: str) -> list[str]:
    """Every stack that depends on `failed`, directly or through others, in the graph's order."""
    deps = within(graph)
    hit = {failed}
    changed = True
    while changed:
        changed = False
        for name, on in deps.items():
            if name not in hit and hit & set(on):
                hit.add(name)
                changed = True
    return [name for name in deps if name in hit and name != failed]


def check_stacks(stacks: Sequence[Stack]) -> None:
    """`render` and `check`: stacks whose imports form a cycle are refused (SpecError, exit 2)."""
    check({s.name: producers(s.template().to_dict()) for s in stacks})
