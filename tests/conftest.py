"""Shared test set-up: Hypothesis profiles and a private derivation cache.

Profiles: `ci` is derandomized (same examples every run) and is chosen when CI is
set; `thorough` (the local default) draws many more examples. Override with
HYPOTHESIS_PROFILE=ci|thorough.
"""

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=25,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=200,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "thorough")
)


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory):
    """Tests derive everything afresh into their own cache, never a user's stale one."""
    directory = tmp_path_factory.mktemp("reluproof-cache")
    old = os.environ.get("RELUPROOF_CACHE_DIR")
    os.environ["RELUPROOF_CACHE_DIR"] = str(directory)
    yield directory
    if old is None:
        os.environ.pop("RELUPROOF_CACHE_DIR", None)
    else:
        os.environ["RELUPROOF_CACHE_DIR"] = old
