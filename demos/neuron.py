"""One neuron, forward and backward: every node with its value and its gradient.

Run: ``python -m demos.neuron``
"""

from __future__ import annotations

from autograd import Value


def main() -> dict[str, float]:
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    o = n.tanh()
    o.backward()
    print(f"o = tanh(x1*w1 + x2*w2 + b) = {o.data:.6f}")
    print("d o / d leaf, by the chain rule:")
    for leaf in (x1, w1, x2, w2, b):
        print(f"  {leaf.label:>2} = {leaf.data:+.4f}   grad = {leaf.grad:+.6f}")
    return {leaf.label: leaf.grad for leaf in (x1, w1, x2, w2, b)}


if __name__ == "__main__":
    main()
