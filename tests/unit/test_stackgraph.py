"""The order stacks deploy and delete in (cfngen/stackgraph.py): pure, from {stack: producers}."""

from __future__ import annotations

import pytest

from cfngen import stackgraph
from cfngen.errors import SpecError


def test_producers_come_before_consumers_whatever_the_given_order() -> None:
    graph = {"workers": ["orders", "audit"], "audit": [], "orders": [], "web": []}
    assert stackgraph.waves(graph) == [["audit", "orders", "web"], ["workers"]]
    assert stackgraph.order(graph) == ["audit", "orders", "web", "workers"]


def test_a_producer_outside_the_selection_does_not_order_anything() -> None:
    """A producer in the project but not selected is not deployed: its consumer runs in the first wave."""
    assert stackgraph.waves({"workers": ["orders"]}) == [["workers"]]


def test_a_chain_is_one_stack_per_wave() -> None:
    assert stackgraph.waves({"c": ["b"], "b": ["a"], "a": []}) == [["a"], ["b"], ["c"]]


def test_delete_reverses_the_graph() -> None:
    graph = {"workers": ["orders"], "orders": [], "web": []}
    assert stackgraph.reverse(graph) == {"workers": [], "orders": ["workers"], "web": []}
    assert stackgraph.order(stackgraph.reverse(graph)) == ["workers", "web", "orders"]


@pytest.mark.parametrize(
    ("graph", "cycle"),
    [
        ({"a": ["b"], "b": ["a"]}, "a -> b -> a"),
        ({"x": [], "a": ["c"], "b": ["a"], "c": ["b"]}, "a -> c -> b -> a"),
        ({"a": ["a", "b"], "b": ["c"], "c": ["a"]}, "a -> b -> c -> a"),
    ],
)
def test_a_cycle_is_a_spec_error_naming_it(graph: dict[str, list[str]], cycle: str) -> None:
    with pytest.raises(SpecError) as caught:
        stackgraph.waves(graph)
    assert cycle in caught.value.message
    assert caught.value.exit_code == 2


def test_dependents_are_transitive() -> None:
    graph = {"a": [], "b": ["a"], "c": ["b"], "d": []}
    assert stackgraph.dependents(graph, "a") == ["b", "c"]
    assert stackgraph.dependents(graph, "d") == []
