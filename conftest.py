"""The test plumbing every pytest run gets (`make test`, `pytest tests/...`): a throwaway
PostgreSQL, Redis and Celery workers, a loopback SMTP server, and the test settings. Test data lives
in tests/conftest.py and tests/factories.py.

pytest reads `pytest_plugins` only in the root conftest, so the list is here, not in tests/.
"""

pytest_plugins = [
    "tests.plugins.postgresql",
    "tests.plugins.celery_worker",
    "tests.plugins.smtp_server",
    "tests.plugins.settings",
]
