"""Union-find: the groups equal the connected components, whatever order the unions come in."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from zeroscam.kit.disjoint import DisjointSet


def _components(n, edges):
    """Reference: connected components by breadth-first search."""
    nbrs = {i: set() for i in range(n)}
    for a, b in edges:
        nbrs[a].add(b)
        nbrs[b].add(a)
    comp, seen = {}, set()
    for start in range(n):
        if start in seen:
            continue
        todo, group = [start], set()
        while todo:
            x = todo.pop()
            if x not in group:
                group.add(x)
                todo.extend(nbrs[x] - group)
        seen |= group
        for x in group:
            comp[x] = min(group)
    return comp


@given(st.integers(1, 30).flatmap(
    lambda n: st.tuples(st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=40))))
def test_groups_are_components_and_roots_are_smallest(case):
    n, edges = case
    groups = DisjointSet(range(n))
    for a, b in edges:
        groups.union(a, b)
    expected = _components(n, edges)
    assert {x: groups.find(x) for x in range(n)} == expected


def test_string_keys_added_on_the_way():
    groups = DisjointSet()
    for x in ("b", "a", "c"):
        groups.add(x)
    groups.union("c", "b")
    assert groups.find("c") == "b" and groups.find("a") == "a"
