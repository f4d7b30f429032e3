"""The security tests share one bot per test: a hypothesis example is a member acting, not a new server.

Hypothesis's profile for these tests: derandomised (CI runs the same examples every time, so a
failure is reproducible and the run's length is known), no deadline (an example is several
interactions through real HTTP), no example database. ``HYPOTHESIS_PROFILE=deep`` runs many more
examples, with fresh randomness, when hunting locally.
"""

import os

import pytest
from hypothesis import HealthCheck, settings

from tests.harness.driver import DiscordHarness

_COMMON = {
    "deadline": None,
    "database": None,
    # One bot serves every example of a test; its examples are members acting one after another.
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
}
settings.register_profile("ci", max_examples=60, derandomize=True, **_COMMON)
settings.register_profile("deep", max_examples=500, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
async def discord_bot(db):
    """A Podium bot on a fresh database, logged in to a fake Discord."""
    async with DiscordHarness(db, question_cards=True) as harness:
        yield harness
