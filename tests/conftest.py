"""Shared test settings: hypothesis profiles.

`default` keeps the whole suite within a few minutes on a 2-core machine; run the long search with
HYPOTHESIS_PROFILE=thorough python3 tasks.py test.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("default", max_examples=100, deadline=None)
settings.register_profile("thorough", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
