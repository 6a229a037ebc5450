"""Long edges, replaced by a copy of their source drawn next to the target.

dot lays an edge that spans k ranks out through k - 1 invisible nodes, and its crossing
minimisation and positioning grow much faster than linearly in those. One value that feeds
a long chain (``x + x + ... + x``, a parameter used in every example and again in the
regularisation term) gives a few hundred drawn nodes tens of thousands of invisible ones:
measured with graphviz-pure, 150 drawn nodes and 5,400 invisible ones took 20 s, and the
same picture with 300 drawn nodes did not finish in 100 s.

So before the graph is handed to dot, each node gets an estimated rank and every edge
longer than ``MAX_SPAN`` ranks starts from a small copy of its source instead (dot ranks a
node with one edge right next to it). The estimate is a feasible ranking: each node as late
as its consumers allow. dot minimises the total edge length, so its own ranking makes the
invisible nodes at most as many as this estimate: at most ``MAX_SPAN - 1`` per edge.
"""

from __future__ import annotations

from collections import deque

__all__ = ["MAX_SPAN", "long_edges", "ranks"]

#: Edges spanning more ranks than this start from a copy of their source.
MAX_SPAN = 4


def ranks(nodes: list[str], edges: list[tuple[str, str]]) -> dict[str, int]:
    """A rank for each node such that every edge goes from a lower rank to a higher one,
    each node as late as its consumers allow. Edges closing a cycle are ignored."""
    succ: dict[str, list[str]] = {n: [] for n in nodes}
    indegree = dict.fromkeys(nodes, 0)
    for a, b in edges:
        succ[a].append(b)
        indegree[b] += 1
    # Kahn's order; nodes on a cycle (not produced by the engine, but tags could
    # make one between groups) go last, in their given order.
    order = []
    queue = deque(n for n in nodes if indegree[n] == 0)
    while queue:
        a = queue.popleft()
        order.append(a)
        for b in succ[a]:
            indegree[b] -= 1
            if indegree[b] == 0:
                queue.append(b)
    placed = set(order)
    order += [n for n in nodes if n not in placed]
    position = {n: i for i, n in enumerate(order)}
    rank = dict.fromkeys(nodes, 0)
    for a in order:  # longest path from the sources: every edge points forward
        for b in succ[a]:
            if position[b] > position[a] and rank[b] <= rank[a]:
                rank[b] = rank[a] + 1
    for a in reversed(order):  # then each node pulled up against its earliest consumer
        later = [rank[b] for b in succ[a] if position[b] > position[a]]
        if later:
            rank[a] = min(later) - 1
    return rank


def long_edges(nodes: list[str], edges: list[tuple[str, str]]) -> list[bool]:
    """For each edge, whether it spans more than ``MAX_SPAN`` ranks."""
    rank = ranks(nodes, edges)
    return [rank[b] - rank[a] > MAX_SPAN for a, b in edges]
