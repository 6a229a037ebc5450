"""Training end to end: micrograd's moons demo (only the import changed), the issue's example."""

import math
import random
from collections import Counter

import pytest

from autograd import Value
from nn import MLP, make_moons, make_spirals
from nn.losses import cross_entropy
from nn.optim import Adam

# -- the data sets -----------------------------------------------------------------------------


def test_moons_without_noise_lie_on_their_half_circles():
    X, y = make_moons(40, noise=0.0, seed=0)
    assert len(X) == 40 and Counter(y) == {0: 20, 1: 20}
    for (a, b), label in zip(X, y):
        if label == 0:  # upper moon: radius 1 around (0, 0), b >= 0
            assert math.hypot(a, b) == pytest.approx(1.0, abs=1e-12) and b >= -1e-12
        else:  # lower moon: radius 1 around (1, 0.5), b <= 0.5
            assert math.hypot(a - 1, b - 0.5) == pytest.approx(1.0, abs=1e-12) and b <= 0.5 + 1e-12
    assert y != sorted(y)  # shuffled


def test_moons_are_reproducible_and_leave_global_random_alone():
    random.seed(0)
    before = random.getstate()
    assert make_moons(50, 0.1, seed=3) == make_moons(50, 0.1, seed=3) != make_moons(50, 0.1, seed=4)
    assert random.getstate() == before


def test_moons_noise_has_the_requested_spread():
    clean, _ = make_moons(2000, 0.0, seed=1)
    noisy, _ = make_moons(2000, 0.2, seed=1)
    # same shuffle, then noise: the differences are the noise itself
    diffs = [n - c for pn, pc in zip(noisy, clean) for n, c in zip(pn, pc)]
    assert math.sqrt(sum(d * d for d in diffs) / len(diffs)) == pytest.approx(0.2, rel=0.05)


def test_spirals_have_balanced_classes():
    X, y = make_spirals(30, classes=3, seed=0)
    assert len(X) == 90 and Counter(y) == {0: 30, 1: 30, 2: 30}
    assert all(math.hypot(a, b) <= 1.0 + 1e-12 for a, b in X)


# -- micrograd's demo ----------------------------------------------------------------------------


def test_micrograds_moons_demo_trains_to_full_accuracy():
    # micrograd's demo.ipynb, line for line, with make_moons from nn and the MLP seeded.
    X, y = make_moons(n=100, noise=0.1, seed=1337)
    y = [yi * 2 - 1 for yi in y]  # make y be -1 or 1
    model = MLP(2, [16, 16, 1], seed=1337)  # 2-layer neural network (micrograd's weights)

    def loss():
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        # svm "max-margin" loss
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        # L2 regularization
        alpha = 1e-4
        reg_loss = alpha * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    first, _ = loss()
    for k in range(100):
        total_loss, acc = loss()
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
    total_loss, acc = loss()
    assert acc == 1.0
    assert total_loss.data < 0.05 < first.data


def test_the_issues_example_learns_three_spiral_arms(tmp_path):
    X, y = make_spirals(8, classes=3, noise=0.05, seed=1)
    batch = list(zip(X, y))
    model = MLP(2, [16, 16, 3], activation="tanh", init="xavier", seed=1)
    opt = Adam(model.parameters(), lr=3e-2)
    losses = []
    for _ in range(40):
        loss = sum(cross_entropy(model(x), t) for x, t in batch) / len(batch)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.data)
    accuracy = sum(max(range(3), key=lambda k: model(x)[k].data) == t for x, t in batch) / len(
        batch
    )
    assert losses[0] > 1.0 > 0.5 > losses[-1]  # from about log(3) (chance) to well below
    assert accuracy >= 0.85
    model.save(tmp_path / "model.json")
    # the file holds the weights; the architecture is the code's, as with PyTorch
    again = MLP(2, [16, 16, 3], activation="tanh").load(tmp_path / "model.json")
    assert [v.data for v in again(X[0])] == [v.data for v in model(X[0])]


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda: make_moons(10, noise=math.nan), ValueError),
        (lambda: make_moons(10, noise=-0.1), ValueError),
        (lambda: make_moons(10, noise="0.1"), TypeError),
        (lambda: make_moons(True), ValueError),
        (lambda: make_spirals(5, noise=math.nan), ValueError),
        (lambda: make_spirals(5, noise=math.inf), ValueError),
        (lambda: make_spirals(5, classes=True), ValueError),
    ],
)
def test_toy_data_refuses_options_that_would_give_nan_points(make, error):
    with pytest.raises(error):
        make()
