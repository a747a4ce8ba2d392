"""The test plumbing every pytest run gets (`make test`, `make bench`, `pytest tests/...`): a throwaway
PostgreSQL, Redis and a Celery worker, and the test settings. Test data lives in tests/conftest.py
and tests/factories.py.

pytest reads `pytest_plugins` only in the root conftest, so the list is here, not in tests/ or bench/.
"""

pytest_plugins = ["tests.plugins.postgresql", "tests.plugins.celery_worker", "tests.plugins.settings"]
