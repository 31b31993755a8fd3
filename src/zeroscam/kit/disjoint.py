"""Disjoint sets (union-find) over hashable keys: which items end up joined."""

from __future__ import annotations

from collections.abc import Hashable


class DisjointSet:
    """Union-find with path halving. The root of a joined group is its smallest key,
    so results do not depend on the order the unions came in."""

    def __init__(self, items=()):
        self.parent: dict[Hashable, Hashable] = {}
        for x in items:
            self.add(x)

    def add(self, x) -> None:
        self.parent.setdefault(x, x)

    def find(self, x):
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a, b) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)
