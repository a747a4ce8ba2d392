"""Plugin: the settings every test runs with, on top of config/settings.py.

Applied by one session-wide autouse fixture, so the browser tests' live server (a thread of the same
process) and the Celery worker thread see them too.
"""

import pytest

# Django's default hasher (PBKDF2, about a million iterations) is slow on purpose: a few hundred
# milliseconds per password set or checked. Tests do not need strong hashes, only working ones.
FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def _test_settings():
    """Settings every test gets: fast password hashing, and static files straight from static/.

    Plain storage, so {% static %} needs no manifest and no collectstatic; WhiteNoise finds files as it
    does with DEBUG on, rather than scanning (and warning about) an uncollected STATIC_ROOT.
    """
    from django.conf import settings
    from django.test import override_settings

    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(
        PASSWORD_HASHERS=FAST_PASSWORD_HASHERS,
        STORAGES=storages,
        WHITENOISE_USE_FINDERS=True,
        WHITENOISE_AUTOREFRESH=True,
    ):
        yield
