"""Threads: backward(), grad(), hessian and compiled steps give, with several threads at once,
exactly what they give one after another (PyTorch's promise), over graphs that share nodes
or not; and no pass keeps its bookkeeping in the user's nodes.

Every test forces a thread switch every microsecond (``sys.setswitchinterval``) and starts
its threads together at a ``threading.Barrier``, so that passes over the same nodes overlap.
The graphs for ``backward()`` hold small integers only: every gradient and every sum of
gradients is an integer far below 2**53, so float addition is exact in any order and "the
same as one after another" can be checked with ``==``.
"""

from __future__ import annotations

import struct
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from autograd import Value, compile, dot, grad, hessian, sum  # noqa: A004
from nn import MLP

THREADS = 6
CALLS = 20  # calls per thread


@pytest.fixture(autouse=True)
def many_thread_switches():
    """A thread switch every microsecond: overlapping passes, not a lucky schedule."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def in_threads(work, threads=THREADS):
    """``[work(0), ..., work(threads - 1)]``, each in its own thread, all started together;
    an exception in a thread is raised here."""
    barrier = threading.Barrier(threads)

    def start(i):
        barrier.wait(timeout=60)
        return work(i)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [pool.submit(start, i) for i in range(threads)]
        return [f.result() for f in futures]


def bits(x: float) -> bytes:
    """The float's 64 bits: bit for bit, with 0.0 and -0.0 told apart."""
    return struct.pack("<d", x)


def datas(values) -> list[bytes]:
    return [bits(v.data) for v in values]


def interior(roots) -> list[Value]:
    """Every non-leaf node below ``roots`` (roots included), in a fixed order: the same
    list, position by position, for two graphs built the same way."""
    out, seen, stack = [], set(), list(reversed(roots))
    while stack:
        v = stack.pop()
        if v in seen or v.op == "":
            continue
        seen.add(v)
        out.append(v)
        stack.extend(reversed(v.parents))
    return out


# -- a graph whose losses share a hidden expression of hundreds of nodes ---------------------

LEAF_DATA = (1.0, -1.0, 2.0, 1.0, -2.0, 1.0, -1.0, 1.0)
COEFFICIENTS = (1.0, 2.0, -1.0, 1.0, 1.0, -2.0, 1.0, -1.0)


@dataclass
class Graph:
    leaves: list[Value]
    hidden: Value  # shared by every loss
    losses: list[Value]  # each also has nodes of its own

    def nodes(self) -> list[Value]:
        return interior(self.losses)


def build_graph(chains: int = 8, length: int = 40, tail: int = 20) -> Graph:
    """Integer data: sums, products by constants and by leaves of data 1 or -1, n-ary sum and
    dot nodes. About 700 interior nodes, of which all but about 60 are shared by the three
    losses; every gradient is a small integer."""
    xs = [Value(d, label=f"x{i}") for i, d in enumerate(LEAF_DATA)]
    heads = []
    for c in range(chains):
        h = xs[c]
        for i in range(length):
            if i % 10 == 9:
                h = h * xs[(1, 5)[c % 2]]  # Value * Value, by 1 or -1
            elif i % 10 == 4:
                h = dot(xs, COEFFICIENTS, start=h)
            else:
                h = h + xs[(c + i) % len(xs)] * (i % 3 - 1 or 2)
        heads.append(h)
    hidden = sum(heads)
    losses = []
    for k, head in enumerate((hidden * hidden, hidden * 3.0 - xs[0], (hidden + xs[1]) * xs[2])):
        loss = head
        for i in range(tail):
            loss = loss + xs[(k + i) % len(xs)] * float(k + 1)
        losses.append(loss)
    return Graph(xs, hidden, losses)


def test_the_integer_graph_keeps_every_sum_exact():
    # The premise of comparing backward() calls with ==: gradients stay small integers.
    g = build_graph()
    assert len(g.nodes()) >= 600
    for loss in g.losses:
        for _ in range(THREADS * CALLS):
            loss.backward()
    for v in g.leaves + g.nodes():
        assert v.grad == int(v.grad) and abs(v.grad) < 2.0**50


# -- grad() ------------------------------------------------------------------------------------


@pytest.mark.parametrize("losses_used", [1, 3], ids=["same-loss", "losses-sharing-nodes"])
def test_grad_in_threads_equals_grad_on_one_thread(losses_used):
    g = build_graph()
    losses = g.losses[:losses_used]
    expected = [datas(grad(loss, g.leaves)) for loss in losses]

    def work(i):
        k = i % losses_used
        return [datas(grad(losses[k], g.leaves)) == expected[k] for _ in range(CALLS)]

    results = [ok for per_thread in in_threads(work) for ok in per_thread]
    wrong = results.count(False)
    assert wrong == 0, f"{wrong} of {len(results)} grad() calls in threads differ from one thread"


def test_grad_in_threads_on_an_mlp_batch_equals_grad_on_one_thread():
    # Real floats: two losses over the same batch outputs of one model.
    model = MLP(2, [8, 8, 1], seed=0)
    rows = [[i / 10 - 2.0, (i * 7 % 13) / 6 - 1.0] for i in range(40)]
    labels = [1.0 if i % 3 else -1.0 for i in range(40)]
    outs = model(rows)
    diffs = [o - y for o, y in zip(outs, labels)]
    losses = [
        dot(diffs, diffs) / len(diffs),
        sum([(1.0 - y * o).relu() for o, y in zip(outs, labels)]),
    ]
    params = model.parameters()
    expected = [datas(grad(loss, params)) for loss in losses]

    def work(i):
        k = i % 2
        return [datas(grad(losses[k], params)) == expected[k] for _ in range(CALLS)]

    results = [ok for per_thread in in_threads(work) for ok in per_thread]
    wrong = results.count(False)
    assert wrong == 0, f"{wrong} of {len(results)} grad() calls in threads differ from one thread"


def test_grad_with_create_graph_in_threads_equals_one_thread():
    g = build_graph(chains=4, length=30)
    x = g.leaves

    def first_and_second(loss):
        first = grad(loss, x, create_graph=True)
        second = [datas(grad(d, x)) for d in first[:3]]
        return datas(first), second

    expected = [first_and_second(loss) for loss in g.losses]

    def work(i):
        k = i % len(g.losses)
        return [first_and_second(g.losses[k]) == expected[k] for _ in range(CALLS // 3)]

    results = [ok for per_thread in in_threads(work) for ok in per_thread]
    wrong = results.count(False)
    assert wrong == 0, f"{wrong} of {len(results)} create_graph calls differ from one thread"


# -- backward() --------------------------------------------------------------------------------


def differing(got, want) -> list[tuple[int, float, float]]:
    """(position, got, wanted) for each node whose .grad differs from its twin's."""
    return [(i, a.grad, b.grad) for i, (a, b) in enumerate(zip(got, want)) if a.grad != b.grad]


def test_backward_in_threads_on_one_loss_equals_the_same_calls_one_after_another():
    threaded, sequential = build_graph(), build_graph()

    in_threads(lambda i: [threaded.losses[0].backward() for _ in range(CALLS)])
    for _ in range(THREADS * CALLS):
        sequential.losses[0].backward()

    # Leaves accumulate: THREADS * CALLS times the gradient of one call. Interior nodes
    # hold the gradient of the last call, which is that of any one call.
    wrong_leaves = differing(threaded.leaves, sequential.leaves)
    wrong_nodes = differing(threaded.nodes(), sequential.nodes())
    assert not wrong_leaves and not wrong_nodes, (
        f"{len(wrong_leaves)} of {len(threaded.leaves)} leaves and {len(wrong_nodes)} of "
        f"{len(threaded.nodes())} interior nodes hold another .grad than one after another"
    )


def test_backward_in_threads_on_losses_sharing_nodes_equals_the_same_calls_one_after_another():
    threaded, sequential = build_graph(), build_graph()

    def work(graph, i):
        for _ in range(CALLS):
            graph.losses[i % len(graph.losses)].backward()

    in_threads(lambda i: work(threaded, i))
    for i in range(THREADS):
        work(sequential, i)

    wrong_leaves = differing(threaded.leaves, sequential.leaves)
    assert not wrong_leaves, (
        f"{len(wrong_leaves)} of {len(threaded.leaves)} leaves hold another .grad than the "
        "same calls one after another: (position, threads, one after another) "
        f"{wrong_leaves[:3]}"
    )

    # An interior node holds the gradient of the last call that reached it: one call of
    # one of the losses above it, whichever came last.
    nodes = threaded.nodes()
    one_call = []  # per loss: (the nodes it reaches, by position; their .grad after one call)
    for k in range(len(threaded.losses)):
        fresh = build_graph()
        fresh.losses[k].backward()
        below = set(interior([fresh.losses[k]]))
        one_call.append([(v in below, v.grad) for v in fresh.nodes()])
    wrong = []
    for i, v in enumerate(nodes):
        allowed = {calls[i][1] for calls in one_call if calls[i][0]}
        if v.grad not in allowed:
            wrong.append((i, v.op, v.grad, sorted(allowed)))
    assert not wrong, (
        f"{len(wrong)} of {len(nodes)} interior nodes hold a .grad no single call gives, "
        f"e.g. (position, op, grad, allowed) {wrong[:3]}"
    )


def test_backward_in_threads_changes_nothing_in_the_graph_but_grad():
    g = build_graph()
    nodes = g.leaves + g.nodes()
    before = pickled_state(nodes)

    in_threads(lambda i: [g.losses[i % 3].backward() for _ in range(CALLS)])

    for v in nodes:
        v.grad = 0.0
    after = pickled_state(nodes)
    changed = [i for i, (a, b) in enumerate(zip(before, after)) if a != b]
    assert not changed, f"{len(changed)} of {len(nodes)} nodes changed, e.g. {after[changed[0]]}"


# -- hessian -----------------------------------------------------------------------------------


def test_hessian_in_threads_equals_hessian_on_one_thread():
    shared = build_graph(chains=4, length=30).hidden / 1000.0  # one graph, used by every call

    def f(v):
        return (v[0] * v[1]).tanh() * shared + v[0] ** 3 * v[1] + shared * v[1] * v[2].exp()

    points = [[0.5 + i / 8, -0.25 * i, 0.1 * i] for i in range(THREADS)]
    expected = [[list(map(bits, row)) for row in hessian(f, p)] for p in points]

    def work(i):
        return [
            [list(map(bits, row)) for row in hessian(f, points[i])] == expected[i]
            for _ in range(CALLS // 3)
        ]

    results = [ok for per_thread in in_threads(work) for ok in per_thread]
    wrong = results.count(False)
    assert wrong == 0, f"{wrong} of {len(results)} hessians in threads differ from one thread"


# -- graphs that share nothing -----------------------------------------------------------------


def test_threads_on_graphs_that_share_nothing_equal_one_thread():
    def one_graph():
        g = build_graph(chains=4, length=30)
        first = datas(grad(g.losses[0], g.leaves))
        for loss in g.losses:
            loss.backward()
        return first, [v.grad for v in g.leaves], [v.grad for v in g.nodes()]

    expected = one_graph()
    results = in_threads(lambda i: [one_graph() == expected for _ in range(CALLS // 3)])
    wrong = [ok for per_thread in results for ok in per_thread].count(False)
    assert wrong == 0, f"{wrong} graphs built and differentiated in threads differ"


# -- compiled steps ----------------------------------------------------------------------------


def test_compiled_steps_in_threads_over_separate_params_equal_the_engine():
    # A CompiledStep sets its params' .grad: one step, one model, one thread each.
    rows = [[i / 5 - 1.0, (i * 3 % 7) / 3 - 1.0] for i in range(12)]
    labels = [1.0 if i % 2 else -1.0 for i in range(12)]
    models = [MLP(2, [6, 6, 1], seed=s) for s in range(THREADS)]

    def loss_of(model):
        def fn():
            diffs = [o - y for o, y in zip(model(rows), labels)]
            return dot(diffs, diffs)

        return fn

    def engine(model):
        model.zero_grad()
        loss = loss_of(model)()
        loss.backward()
        result = bits(loss.data), [bits(p.grad) for p in model.parameters()]
        model.zero_grad()
        return result

    expected = [engine(m) for m in models]

    def work(i):
        model = models[i]
        step = compile(loss_of(model), model.parameters())
        out = []
        for _ in range(CALLS):
            loss = step()
            out.append((bits(loss), [bits(p.grad) for p in model.parameters()]) == expected[i])
        return out

    results = [ok for per_thread in in_threads(work) for ok in per_thread]
    wrong = results.count(False)
    assert wrong == 0, f"{wrong} of {len(results)} compiled steps differ from the engine"


# -- no pass keeps its bookkeeping in the user's nodes -----------------------------------------


def public_state(nodes):
    return [(v.data, v.grad, v.label, v.op, tuple(map(id, v.parents))) for v in nodes]


def pickled_state(nodes):
    """What pickle saves of each node (every attribute, private ones too), node by node: a
    snapshot of the graph that never recurses. Values in it compare by identity."""
    return [v.__getstate__() for v in nodes]


def test_grad_leaves_every_node_exactly_as_it_was():
    g = build_graph()
    nodes = g.leaves + g.nodes()
    before, pickled = public_state(nodes), pickled_state(nodes)

    for loss in g.losses:
        grad(loss, g.leaves)
        grad(loss, g.leaves, create_graph=True)

    assert all(v.grad == 0.0 for v in nodes)
    assert public_state(nodes) == before
    assert pickled_state(nodes) == pickled


def test_grad_in_other_threads_leaves_no_trace_in_the_nodes_while_it_runs():
    # A snapshot of the graph (what pickle saves: every attribute of every node) taken while
    # other threads run grad() over it is the snapshot taken before: nothing is marked, ever.
    g = build_graph()
    nodes = g.leaves + g.nodes()
    before = pickled_state(nodes)
    stop = threading.Event()

    def work(i):
        if i == 0:  # the observer
            try:
                return [pickled_state(nodes) == before for _ in range(60)]
            finally:
                stop.set()
        calls = 0
        while not stop.is_set():
            grad(g.losses[i % 3], g.leaves)
            calls += 1
        return calls

    observer, *calls = in_threads(work, threads=4)
    assert all(calls), "a grad() thread never ran"
    changed = observer.count(False)
    assert changed == 0, f"{changed} of {len(observer)} snapshots taken during grad() differ"
    assert pickled_state(nodes) == before
