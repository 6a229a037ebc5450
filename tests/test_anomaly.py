"""detect_anomaly: where a nan or inf was born, forward and backward."""

import inspect
import math

import pytest

from autograd import AnomalyError, Value, detect_anomaly, is_anomaly_enabled, no_grad


def test_forward_overflow_names_the_operation_inputs_and_line():
    with detect_anomaly():
        a = Value(1e308)
        with pytest.raises(AnomalyError) as info:
            line = inspect.currentframe().f_lineno + 1
            a * 10.0  # this line is named
    message = str(info.value)
    assert "mul(1e+308, 10.0)" in message and "inf" in message
    assert f"{__file__}:{line}" in message


def test_backward_nan_names_the_operation_that_made_it():
    with detect_anomaly():
        x = Value(0.0)
        y = x.sqrt() * 0.0  # sqrt'(0) = inf, times a zero upstream gradient path: inf * 0
        with pytest.raises(AnomalyError, match="sqrt"):
            y.backward()


def test_non_finite_input_given_by_the_user_is_not_an_anomaly():
    with detect_anomaly():
        y = Value(math.inf) + 1.0  # inf in, inf out: nothing was born here
    assert y.data == math.inf


def test_outside_the_block_nothing_is_checked_or_recorded():
    a = Value(1e308)
    assert (a * 10.0).data == math.inf
    assert not is_anomaly_enabled()


def test_anomaly_and_no_grad_together():
    with detect_anomaly(), no_grad():
        y = Value(2.0) * 3.0
    assert y.parents == () and y.data == 6.0


def test_an_anomaly_inside_a_model_names_the_users_call_of_it():
    from nn import MLP

    model = MLP(2, [2, 1], seed=0)
    model.layers[0].neurons[0].w[0].data = 1e308
    with detect_anomaly():
        with pytest.raises(AnomalyError) as info:
            line = inspect.currentframe().f_lineno + 1
            model([10.0, 1.0])  # this line, not nn's
    assert f"{__file__}:{line}" in str(info.value)
