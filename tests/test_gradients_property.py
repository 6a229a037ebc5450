"""Property: on random expression DAGs, the engine's derivatives equal central differences."""

from hypothesis import given, settings
from hypothesis import strategies as st

from autograd.testing import KINKED, SMOOTH, assert_gradients_match, expressions


@given(expressions(), st.data())
def test_first_derivatives_match_central_differences(expr, data):
    assert_gradients_match(expr, data.draw(expr.inputs()))


@settings(max_examples=30)
@given(expressions(max_steps=5), st.data())
def test_second_derivatives_match_central_differences_of_the_first(expr, data):
    assert_gradients_match(expr, data.draw(expr.inputs()), second_order=True)


@given(expressions(primitives=KINKED + ("add", "mul"), max_steps=6), st.data())
def test_kinked_primitives_away_from_their_kinks(expr, data):
    assert_gradients_match(expr, data.draw(expr.inputs()))


@given(expressions(primitives=SMOOTH, max_inputs=1, max_steps=3), st.data())
def test_shallow_single_input_expressions(expr, data):
    assert_gradients_match(expr, data.draw(expr.inputs()), second_order=True)
