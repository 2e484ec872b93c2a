"""The desk with a team on a real database (`sql_desk`): the analytics read what it wrote.

The desk reads the small fixed knowledge folder of tests/curation, so what falls back, what is
clarified and which entry answers stays what these tests say whatever the curators add to the base.
"""

import pytest

from knowledge import Matcher, load_base
from tests.curation import TEST_KB


@pytest.fixture(scope="session")
def matcher() -> Matcher:
    return Matcher(load_base(TEST_KB))
