"""The benchmarks run on the same throwaway PostgreSQL, with the same settings, as the tests (the
plugins listed in the root conftest.py)."""

import pytest

from tests import factories


@pytest.fixture
def speech_pathway(db):
    """The richer seed pathway, imported from its guide (as in tests/conftest.py)."""
    return factories.import_guide(factories.SPEECH_GUIDE)
