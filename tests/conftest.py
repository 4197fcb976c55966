"""Suite-wide test settings.

Hypothesis runs without a per-example deadline: CI shares two cores with the other test
worker and the first call of a Numba kernel compiles it, so wall-clock deadlines would
make the suite flaky without making it stricter.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile(
    "inversa", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile("inversa")
