"""The graph's mechanics: depth, memory freed by reference counting, determinism, threads."""

import gc
import random
import threading
import tracemalloc

import pytest

from autograd import Value, no_grad


def test_a_chain_a_million_operations_deep_differentiates():
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y * 1.0000001
    y.backward()
    assert abs(x.grad - 1.0000001**1_000_000) < 1e-9


def _graph_memory_left_after(build):
    """Bytes still allocated after building a graph, differentiating it and dropping it,
    with the cycle collector off (so only reference counting can free anything)."""
    build()  # once first, so one-time caches (compiled derivative rules) are not counted
    gc.collect()
    gc.disable()
    try:
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        out = build()
        during = tracemalloc.get_traced_memory()[0] - before
        del out
        after = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
    finally:
        gc.enable()
    return during, after


def test_dropping_the_output_frees_the_graph_without_the_cycle_collector():
    def build():
        a = Value(2.0)
        y = a
        for _ in range(2000):
            y = (y * 0.5).tanh() + a.exp()
        y.backward()
        return y

    during, after = _graph_memory_left_after(build)
    assert during > 500_000  # ~8,000 nodes were alive
    assert after < 0.01 * during


def test_grad_with_create_graph_leaves_no_cycles_either():
    from autograd import grad

    def build():
        x = Value(1.5)
        y = x
        for _ in range(500):
            y = (y * x).sin()
        return grad(y, [x], create_graph=True)

    during, after = _graph_memory_left_after(build)
    assert after < 0.01 * during


def _random_graph_gradients(seed):
    rng = random.Random(seed)
    leaves = [Value(rng.uniform(-1, 1)) for _ in range(5)]
    nodes = list(leaves)
    for _ in range(300):
        a, b = rng.choice(nodes), rng.choice(nodes)
        nodes.append(rng.choice([lambda: a + b, lambda: a * b, lambda: (a - b).tanh()])())
    sum(nodes[-50:], Value(0.0)).backward()
    return [v.grad for v in leaves]


def test_gradients_are_bit_identical_across_runs():
    assert _random_graph_gradients(7) == _random_graph_gradients(7)


def test_parents_and_op_describe_the_node():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    assert c.op == "mul" and c.parents == (a, b)
    d = 3.0 - a
    assert d.op == "sub" and d.parents == (a,)
    assert a.op == "" and a.parents == ()
    assert (a**b).parents == (a, b)


def test_detach_makes_a_leaf_with_the_same_data():
    a = Value(2.0)
    b = (a * 3).detach()
    assert b.data == 6.0 and b.parents == () and b.op == ""
    (b * a).backward()
    assert a.grad == 6.0


def test_no_grad_records_no_graph_and_works_as_a_decorator():
    a = Value(2.0)
    with no_grad():
        b = a * a + 1
    assert b.parents == () and b.data == 5.0

    @no_grad()
    def f(v):
        return v.exp()

    assert f(a).parents == ()
    assert (a * a).parents == (a, a)


def test_no_grad_in_one_thread_does_not_affect_another():
    inside, done = threading.Event(), threading.Event()
    seen = {}

    def quiet():
        with no_grad():
            inside.set()
            done.wait(5)
            seen["quiet"] = (Value(1.0) * 2).parents

    t = threading.Thread(target=quiet)
    t.start()
    inside.wait(5)
    a = Value(1.0)
    seen["main"] = (a * 2).parents
    done.set()
    t.join()
    assert seen["main"] == (a,)
    assert seen["quiet"] == ()


def test_equality_and_hashing_are_by_identity():
    a, b = Value(1.0), Value(1.0)
    assert a != b and a == a
    assert len({a, b}) == 2
    assert {a: 1}[a] == 1
    assert a < Value(2.0) and b >= 1.0  # ordering compares data, as tensors do


def test_an_interrupted_backward_leaves_the_graph_usable():
    import sys

    x = Value(1.0)
    y = x
    for _ in range(2000):
        y = y * 1.0 + x * 0.0
    events = {"n": 0}

    def tracer(frame, event, arg):
        if frame.f_code.co_name != "walk":
            return None

        def local(frame, event, arg):
            events["n"] += 1
            if events["n"] == 5000:  # part-way through the walk
                raise KeyboardInterrupt
            return local

        return local

    sys.settrace(tracer)
    try:
        y.backward()
    except KeyboardInterrupt:
        pass
    finally:
        sys.settrace(None)
    assert events["n"] >= 5000  # the interrupt did land inside the walk
    x.grad = 0.0
    y.backward()
    assert x.grad == 1.0  # no stale marks left behind


def test_a_pickled_or_copied_graph_differentiates_as_the_original():
    import copy
    import pickle

    x = Value(3.0)
    y = (x * x).tanh() * x
    later = [Value(1.0) * 2.0 for _ in range(300)]  # creation numbers move on meanwhile
    for x2, y2 in (pickle.loads(pickle.dumps((x, y))), copy.deepcopy((x, y))):
        z = y2 * 2.0  # a new consumer, made after the copy's nodes
        z.backward()
        x.grad = 0.0
        (y * 2.0).backward()
        assert x2.grad == x.grad != 0.0
    assert later


def test_a_second_backward_adds_exactly_the_first_calls_gradient():
    # The pass sums a leaf's terms first and adds the sum to .grad (PyTorch's AccumulateGrad):
    # 0.1 + 0.2 is 0.30000000000000004, and a second call adds that again, not 0.2 then 0.1.
    x = Value(5.0)
    y = x * 0.1 + x * 0.2
    y.backward()
    once = x.grad
    assert once == 0.1 + 0.2
    y.backward()
    assert x.grad == once + once


def test_backward_from_a_leaf_seeds_it():
    x = Value(2.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0


def test_a_graph_of_any_depth_pickles_and_deepcopies():
    import copy
    import pickle

    x = Value(1.5)
    y = x
    for _ in range(100_000):  # far deeper than the recursion limit
        y = y * 1.0 + 0.0
    for x2, y2 in (pickle.loads(pickle.dumps((x, y))), copy.deepcopy((x, y))):
        y2.backward()
        assert (x2.grad, y2.data) == (1.0, 1.5) and x2 is not x


def test_copies_keep_shared_nodes_shared_in_either_order():
    import copy
    import pickle

    from autograd import dense, dot

    x = Value(2.0)
    m = x * 3.0
    a = m * m
    w = [Value(0.5), Value(-1.0)]
    n = dense([w], [x, m], [Value(0.1)], "relu")[0] + dot(w, w)
    for load in (lambda o: pickle.loads(pickle.dumps(o)), copy.deepcopy):
        m2, a2, n2, w2 = load((m, a, n, w))
        assert a2.parents == (m2, m2) and n2.parents[0].parents[:2] == tuple(w2)
        a3, m3 = load((a, m))
        assert a3.parents[0] is m3
        n2.backward()
        n.backward()
        assert [v.grad for v in w2] == [v.grad for v in w] != [0.0, 0.0]
        w[0].grad = w[1].grad = 0.0


def test_a_pickle_that_fails_half_way_leaves_later_pickles_whole():
    import pickle

    from autograd.primitives import NaryPrimitive
    from autograd.value import apply_nary

    x = Value(2.0)
    m = x * x
    odd = NaryPrimitive("odd", lambda xs: xs[0], lambda xs: ([1.0],))  # lambdas: unpicklable
    top = apply_nary(odd, [m * 1.0])
    with pytest.raises((pickle.PicklingError, AttributeError)):
        pickle.dumps(top)
    x2, m2 = pickle.loads(pickle.dumps((x, m)))  # m was in the failed table
    assert m2.parents == (x2, x2)
    m2.backward()
    assert x2.grad == 4.0
