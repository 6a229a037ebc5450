"""Hypothesis profiles: a quick default for `make test`, a deep one for long runs.

CHAINRULE_HYPOTHESIS=deep make test
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "quick", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "deep", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("CHAINRULE_HYPOTHESIS", "quick"))
