# The benchmarks run on the same throwaway PostgreSQL as the tests.
from tests.conftest import *  # noqa: F403
