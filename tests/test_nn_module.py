"""nn modules: micrograd's signatures, parameter order and outputs; names, labels, modes."""

import math
import random

import pytest

from autograd import Value
from nn import MLP, Layer, Module, Neuron


def _set(params, numbers):
    for p, x in zip(params, numbers, strict=True):
        p.data = float(x)


def _graph(root):
    """Every node below root (root included), each once."""
    seen, stack, out = set(), [root], []
    while stack:
        v = stack.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        out.append(v)
        stack.extend(v.parents)
    return out


# -- micrograd compatibility ---------------------------------------------------------------


def test_parameters_are_listed_in_micrograds_order():
    model = MLP(3, [4, 4, 1], seed=0)
    micrograd_order = [p for layer in model.layers for n in layer.neurons for p in [*n.w, n.b]]
    got = model.parameters()
    assert len(got) == (3 + 1) * 4 + (4 + 1) * 4 + (4 + 1) * 1
    assert all(a is b for a, b in zip(got, micrograd_order, strict=True))


def test_micrograd_attributes_exist():
    model = MLP(2, [3, 1], seed=0)
    neuron = model.layers[0].neurons[2]
    assert len(neuron.w) == 2 and isinstance(neuron.b, Value)
    assert neuron.nonlin is True and model.layers[1].neurons[0].nonlin is False


def test_default_init_is_micrograds_uniform_weights_and_zero_bias():
    model = MLP(4, [50, 1], seed=1)
    weights = [w.data for layer in model.layers for n in layer.neurons for w in n.w]
    assert all(-1.0 <= w <= 1.0 for w in weights)
    assert min(weights) < -0.9 and max(weights) > 0.9  # spread over the whole interval
    assert all(n.b.data == 0.0 for layer in model.layers for n in layer.neurons)


def test_mlp_output_matches_a_hand_computation():
    model = MLP(2, [2, 1], seed=0)
    # hidden: h0 = relu(1*x0 - 2*x1 + 0.5), h1 = relu(-1*x0 + 3*x1 - 1); out = 2*h0 - 1*h1 + 0.25
    _set(model.parameters(), [1, -2, 0.5, -1, 3, -1, 2, -1, 0.25])
    x0, x1 = 1.5, 0.5
    h0 = max(0.0, 1 * x0 - 2 * x1 + 0.5)  # 1.0
    h1 = max(0.0, -1 * x0 + 3 * x1 - 1)  # 0.0 -> dead
    out = model([x0, x1])
    assert out.data == 2 * h0 - 1 * h1 + 0.25 == 2.25
    out.backward()
    w = model.layers[0].neurons[0].w
    assert (w[0].grad, w[1].grad) == (2 * x0, 2 * x1)  # d out / d w = 2 * x through live h0
    assert all(p.grad == 0.0 for p in model.layers[0].neurons[1].parameters())


def test_mlp_returns_a_value_for_one_output_and_a_list_otherwise():
    assert isinstance(MLP(2, [3, 1], seed=0)([1.0, 2.0]), Value)
    out = MLP(2, [3, 2], seed=0)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 2
    assert isinstance(Layer(2, 1, seed=0)([1.0, 2.0]), Value)
    assert len(Layer(2, 3, seed=0)([1.0, 2.0])) == 3


def test_a_one_neuron_hidden_layer_works():
    # micrograd's MLP(2, [16, 1, 1]) passes a bare Value to the next layer and crashes.
    model = MLP(2, [16, 1, 1], seed=0)
    out = model([0.3, -0.7])
    assert isinstance(out, Value)
    out.backward()
    assert any(p.grad != 0.0 for p in model.layers[-1].parameters())


def test_inputs_may_be_numbers_or_values():
    model = MLP(3, [5, 2], activation="tanh", seed=4)
    xs = [0.1, -2.0, 0.7]
    a = model(xs)
    b = model([Value(x) for x in xs])
    assert [v.data for v in a] == [v.data for v in b]


def test_a_seed_draws_micrograds_weights_for_that_random_seed():
    # micrograd: random.seed(s); MLP(...) draws each neuron's weights with
    # random.uniform(-1, 1), layer by layer, and sets each bias to 0.
    rng = random.Random(1337)
    expected = [
        x
        for n in [2] * 16 + [16] * 16 + [16]
        for x in [rng.uniform(-1, 1) for _ in range(n)] + [0.0]
    ]
    assert [p.data for p in MLP(2, [16, 16, 1], seed=1337).parameters()] == expected


def test_a_seed_reproduces_micrograds_own_model():
    mg = pytest.importorskip("micrograd.nn")
    state = random.getstate()
    try:
        random.seed(7)
        theirs = mg.MLP(3, [4, 4, 1])
    finally:
        random.setstate(state)
    ours = MLP(3, [4, 4, 1], seed=7)
    assert [p.data for p in ours.parameters()] == [q.data for q in theirs.parameters()]


def test_outputs_and_gradients_equal_micrograds_bit_for_bit():
    mg = pytest.importorskip("micrograd.nn")
    from micrograd.engine import Value as MgValue

    ours = MLP(3, [4, 4, 1], seed=7)
    theirs = mg.MLP(3, [4, 4, 1])
    for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
        q.data = p.data
    xs = [0.5, -1.25, 2.0]
    a, b = ours(xs), theirs([MgValue(x) for x in xs])
    assert a.data == b.data
    a.backward()
    b.backward()
    assert [p.grad for p in ours.parameters()] == [q.grad for q in theirs.parameters()]


# -- activations ---------------------------------------------------------------------------

_FORMULAS = {
    "relu": lambda z: max(z, 0.0),
    "tanh": math.tanh,
    "sigmoid": lambda z: 1.0 / (1.0 + math.exp(-z)),
    "leaky_relu": lambda z: z if z > 0 else 0.01 * z,
    "linear": lambda z: z,
}


@pytest.mark.parametrize("activation", sorted(_FORMULAS))
@pytest.mark.parametrize("x", [[1.0, 2.0], [-1.0, -2.0]])
def test_each_activation_applies_its_formula(activation, x):
    n = Neuron(2, activation=activation, seed=0)
    _set(n.parameters(), [0.5, 0.25, -0.1])
    z = 0.5 * x[0] + 0.25 * x[1] - 0.1
    assert n(x).data == pytest.approx(_FORMULAS[activation](z), abs=1e-15)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "leaky_relu"])
def test_layer_gradients_match_central_differences(activation):
    layer = Layer(3, 2, activation=activation, negative_slope=0.2, seed=3)
    _set(layer.parameters(), [0.5, -0.2, 0.9, 0.1, -0.7, 0.4, -0.3, -0.2])  # no unit at a kink
    x = [0.3, -0.8, 1.1]

    def loss():
        a, b = layer(x)
        return a * 1.5 + b

    loss().backward()
    eps = 1e-6
    for p in layer.parameters():
        p0 = p.data
        p.data = p0 + eps
        up = loss().data
        p.data = p0 - eps
        down = loss().data
        p.data = p0
        assert p.grad == pytest.approx((up - down) / (2 * eps), abs=1e-7)


def test_nonlin_false_makes_a_linear_neuron_whatever_the_activation():
    n = Neuron(2, nonlin=False, activation="tanh", seed=0)
    assert n.activation == "linear" and not n.nonlin
    assert n([1.0, 1.0]).op == "dot"


def test_layer_passes_micrograds_keywords_to_its_neurons():
    layer = Layer(3, 2, nonlin=False, seed=0)
    assert all(n.activation == "linear" for n in layer.neurons)


def test_mlp_hidden_and_final_activations():
    model = MLP(2, [3, 3, 2], activation="tanh", final_activation="sigmoid", seed=0)
    assert [layer.neurons[0].activation for layer in model.layers] == ["tanh", "tanh", "sigmoid"]


@pytest.mark.parametrize(
    "make",
    [
        lambda: Neuron(0),
        lambda: Neuron(True),
        lambda: Layer(2, 0),
        lambda: MLP(2, []),
        lambda: MLP(2, [3, -1]),
        lambda: Neuron(2, activation="swish"),
        lambda: Neuron(2, init="zeros"),
    ],
)
def test_bad_sizes_and_names_are_refused(make):
    with pytest.raises(ValueError):
        make()


@pytest.mark.parametrize("nouts", [[1], [4, 1], [4, 4, 1]])
@pytest.mark.parametrize(
    ("kw", "message"),
    [
        (dict(activation="foo"), "unknown activation 'foo'"),
        (dict(activation="ReLU"), "names are lower case: 'relu'"),
        (dict(activation=math.tanh), "a string, not a function"),
        (dict(final_activation="softmax"), "unknown final_activation 'softmax'"),
        (dict(init="he_uniformm"), "unknown init 'he_uniformm'"),
        (dict(negative_slope=math.nan), "negative_slope"),
        (dict(negative_slope=math.inf), "negative_slope"),
        (dict(dropout=1.5), "dropout probability"),
        (dict(dropout=math.nan), "dropout probability"),
    ],
)
def test_every_mlp_option_is_checked_whatever_the_layer_count(nouts, kw, message):
    """A one-layer MLP reads only the final activation: a misspelt hidden one is refused
    there too, not when a layer is added later."""
    with pytest.raises(ValueError, match=message):
        MLP(2, nouts, seed=0, **kw)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: MLP(2, [1], dropout=True), "dropout probability must be a number, got bool"),
        (lambda: MLP(2, [1], dropout="0.1"), "dropout probability must be a number"),
        (lambda: MLP(2, [1], negative_slope="0.1"), "negative_slope must be a number"),
        (lambda: MLP(2, [1], name=3), "name must be a string"),
        (lambda: Layer(2, 2, name=None), "name must be a string"),
        (lambda: Neuron(2, "tanh"), "nonlin is True or False; .* activation='tanh'"),
        (lambda: Neuron(2, nonlin="yes"), "nonlin is True or False"),
        (lambda: Neuron(2, nonlin=2), "nonlin must be True or False"),
        (lambda: Layer(2, 2, nonlin=None), "nonlin must be True or False"),
        (lambda: MLP(2, [1], seed=1.5), "seed must be an int"),
        (lambda: MLP(2, [1]).train("False"), r"train\(mode\) must be True or False"),
    ],
)
def test_options_of_the_wrong_type_are_refused_naming_them(make, message):
    with pytest.raises(TypeError, match=message):
        make()


def test_an_unused_activation_is_still_checked():
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        Neuron(2, nonlin=False, activation="swish")


def test_micrograds_nonlin_flags_still_work():
    assert Neuron(2, 0, seed=0).activation == "linear"
    assert Neuron(2, 1, seed=0).activation == "relu"
    assert MLP(2, [1], dropout=None, seed=0).dropout is None


def test_mlp_nouts_must_be_a_list():
    with pytest.raises(TypeError, match=r"\[16, 16, 1\]"):
        MLP(2, 16)


def test_wrong_number_of_inputs_is_a_clear_error():
    model = MLP(3, [2, 1], seed=0)
    with pytest.raises(ValueError, match="takes 3 inputs, got 2"):
        model([1.0, 2.0])
    with pytest.raises(TypeError, match="list of 3 inputs"):
        model.layers[0].neurons[0](Value(1.0))


# -- seeds ---------------------------------------------------------------------------------


def test_a_seed_reproduces_the_weights_and_leaves_global_random_alone():
    random.seed(123)
    before = random.getstate()
    a = MLP(2, [8, 8, 1], seed=42)
    b = MLP(2, [8, 8, 1], seed=42)
    c = MLP(2, [8, 8, 1], seed=43)
    d = MLP(2, [8, 8, 1])  # no seed: fresh entropy, still not the global state
    assert random.getstate() == before
    assert a.state_dict() == b.state_dict() != c.state_dict()
    assert d.state_dict() != a.state_dict()


def test_a_random_generator_can_be_passed_as_the_seed():
    a = Neuron(3, seed=random.Random(5))
    b = Neuron(3, seed=5)
    assert a.state_dict() == b.state_dict()
    with pytest.raises(TypeError):
        Neuron(3, seed="five")


# -- names and labels ----------------------------------------------------------------------


def test_named_parameters_use_stable_dotted_names():
    names = [name for name, _ in MLP(2, [3, 1], seed=0).named_parameters()]
    assert names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b"]
    assert names[-2:] == ["layers.1.neurons.0.w.2", "layers.1.neurons.0.b"]
    assert len(names) == len(set(names)) == 13


def test_every_parameter_is_labelled_with_its_name():
    model = MLP(2, [4, 3, 1], seed=0)
    assert all(p.label == name for name, p in model.named_parameters())
    assert model.layers[0].neurons[3].w[1].label == "layers.0.neurons.3.w.1"


def test_forward_nodes_are_tagged_with_the_neuron_path_and_role():
    model = MLP(2, [4, 1], activation="tanh", seed=0)
    out = model([0.5, -0.5])
    assert out.label == "layers.1.neurons.0/dot"
    weights = out.parents[:4]  # dot operands: the weights, then the inputs, then the bias
    labels = {v.label for v in _graph(out) if v.op}
    assert labels == {f"layers.0.neurons.{k}/tanh" for k in range(4)} | {"layers.1.neurons.0/dot"}
    assert [v.label for v in weights] == [f"layers.1.neurons.0.w.{i}" for i in range(4)]


def test_a_lone_neuron_has_the_empty_path():
    n = Neuron(2, seed=0)
    out = n([1.0, 1.0])
    assert (out.label, out.op) == ("/relu", "relu(dot)")
    leaky = Neuron(2, activation="leaky_relu", seed=0)([1.0, 1.0])
    assert (leaky.label, leaky.parents[0].label) == ("/leaky_relu", "/dot")
    assert [p.label for p in n.parameters()] == ["w.0", "w.1", "b"]


def test_listing_a_submodule_does_not_rename_the_model():
    model = MLP(2, [3, 1], seed=0)
    layer = model.layers[0]
    assert layer.named_parameters()[0][0] == "neurons.0.w.0"  # relative, as in PyTorch
    assert layer.parameters()[0].label == "layers.0.neurons.0.w.0"
    assert layer.neurons[0]([1.0, 1.0]).label == "layers.0.neurons.0/relu"


class _TwoHeads(Module):
    """A user-defined module in micrograd's style: no super().__init__()."""

    def __init__(self):
        # Labels are given where parameters are made: each part is told its name.
        self.body = MLP(2, [3], seed=0, name="body")
        self.heads = [
            Neuron(3, nonlin=False, seed=1, name="heads.0"),
            Neuron(3, nonlin=False, seed=2, name="heads.1"),
        ]
        self.scale = Value(2.0, label="scale")

    def forward(self, x):
        h = self.body(x)
        return [head(h) * self.scale for head in self.heads]


def test_a_user_module_names_its_parts_where_it_makes_them():
    m = _TwoHeads()
    names = [name for name, _ in m.named_parameters()]
    assert names[0] == "body.layers.0.neurons.0.w.0"
    assert "heads.1.w.2" in names and names[-1] == "scale"
    assert all(p.label == name for name, p in m.named_parameters())
    assert m.body.layers[0].neurons[0].b.label == "body.layers.0.neurons.0.b"
    out = m([1.0, 2.0])
    assert out[1].parents[0].label == "heads.1/dot"
    assert len(m.parameters()) == 3 * 3 + 2 * 4 + 1


def _everything(module):
    """Every label and every module attribute under ``module``: what a listing must not touch."""
    labels = [(p, p.label) for p in module.parameters()]
    attrs = [(m, dict(vars(m))) for _, m in module.named_modules()]
    return labels, attrs


def test_listing_parameters_changes_nothing():
    class Wrapper(Module):
        def __init__(self):
            self.inner = MLP(2, [3, 1], seed=0, dropout=0.5)  # not told its name
            self.gain = Value(1.0)  # no label given

    m = Wrapper()
    before = _everything(m)
    m.parameters()
    m.named_parameters()
    m.named_modules()
    m.state_dict()
    m.zero_grad()
    assert _everything(m) == before
    assert [p.label for p, _ in before[0]][:2] == [
        "layers.0.neurons.0.w.0",
        "layers.0.neurons.0.w.1",
    ]
    assert m.gain.label == ""
    # the names are computed where the parameters sit, whatever their labels say
    assert m.named_parameters()[0][0] == "inner.layers.0.neurons.0.w.0"


def test_every_built_in_passes_its_name_down():
    model = MLP(2, [3, 1], seed=0, dropout=0.5, name="net")
    assert model.layers[1].name == "net.layers.1"
    assert model.layers[1].neurons[0].name == "net.layers.1.neurons.0"
    assert model.dropout.name == "net.dropout"
    assert all(p.label == f"net.{name}" for name, p in model.named_parameters())
    assert Layer(2, 2, seed=0).neurons[1].w[0].label == "neurons.1.w.0"


def test_a_module_without_forward_says_so():
    with pytest.raises(NotImplementedError, match="forward"):
        Module()(1.0)


def test_dicts_are_looked_into_by_key():
    m = Module()
    m.heads = {"left": Neuron(1, seed=0), "right": Neuron(1, seed=1)}
    m._cache = Value(5.0)  # private: not a parameter
    assert [name for name, _ in m.named_parameters()] == [
        "heads.left.w.0",
        "heads.left.b",
        "heads.right.w.0",
        "heads.right.b",
    ]
    assert (
        repr(m) == "Module(\n  (heads.left): Neuron(1, relu)\n  (heads.right): Neuron(1, relu)\n)"
    )


def test_a_shared_parameter_is_listed_once():
    m = Module()
    w = Value(1.0)
    m.a, m.b = w, [w, Value(2.0)]
    assert [name for name, _ in m.named_parameters()] == ["a", "b.1"]


# -- gradients and modes -------------------------------------------------------------------


def test_zero_grad_clears_every_gradient():
    model = MLP(2, [3, 1], seed=0)
    model([1.0, 1.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_train_and_eval_switch_every_submodule():
    model = MLP(2, [3, 1], seed=0, dropout=0.5)
    assert model.eval() is model
    assert not any(m.training for _, m in model.named_modules())
    model.train()
    assert all(m.training for _, m in model.named_modules())


def test_repr_is_short_and_readable():
    model = MLP(2, [16, 16, 1], seed=0, dropout=0.1)
    assert repr(model) == (
        "MLP(\n"
        "  2 -> [16, 16, 1]\n"
        "  (layers.0): Layer(2 -> 16, relu)\n"
        "  (layers.1): Layer(16 -> 16, relu)\n"
        "  (layers.2): Layer(16 -> 1, linear)\n"
        "  (dropout): Dropout(p=0.1)\n"
        ")"
    )
    assert repr(Neuron(3, activation="tanh", seed=0)) == "Neuron(3, tanh)"


@pytest.mark.parametrize("activation", ["relu", "tanh", "leaky_relu"])
def test_a_batch_builds_the_graph_of_calling_row_by_row(activation):
    X = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75], [0.0, 0.0, 0.0]]
    for sizes in ([4, 1], [4, 2]):
        model = MLP(3, sizes, activation=activation, seed=3)
        rows = [model(x) for x in X]
        batch = model(X)
        flat = [[v] if isinstance(v, Value) else v for v in rows]
        flat_b = [[v] if isinstance(v, Value) else v for v in batch]
        assert [[v.data for v in r] for r in flat] == [[v.data for v in r] for r in flat_b]
        assert [[v.label for v in r] for r in flat] == [[v.label for v in r] for r in flat_b]
        grads = []
        for outs in (flat, flat_b):
            model.zero_grad()
            total = outs[0][0]
            for r in outs:
                for v in r:
                    total = total + v * v
            total.backward()
            grads.append([p.grad for p in model.parameters()])
        assert grads[0] == grads[1]


def test_a_batch_with_a_short_row_is_a_clear_error():
    model = MLP(3, [2, 1], seed=0)
    with pytest.raises(ValueError, match="takes 3 inputs, got 2"):
        model([[1.0, 2.0, 3.0], [1.0, 2.0]])


def test_a_neuron_and_a_layer_take_a_batch_too():
    X = [[0.5, -1.0], [1.5, 0.25], [-0.3, 0.0]]
    neuron, layer = Neuron(2, activation="tanh", seed=1), Layer(2, 3, seed=2)
    assert [v.data for v in neuron(X)] == [neuron(x).data for x in X]
    assert [[v.data for v in out] for out in layer(X)] == [[v.data for v in layer(x)] for x in X]
