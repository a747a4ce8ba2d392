import pytest
from django.contrib.auth import get_user_model
from django.db import connection


@pytest.mark.django_db
def test_suite_runs_on_a_real_postgresql():
    assert connection.vendor == "postgresql"

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database(), current_setting('server_encoding')")
        database, encoding = cursor.fetchone()
    assert database.startswith("test_careers")
    assert encoding == "UTF8"

    # The ORM works against the migrated test database.
    assert get_user_model().objects.count() == 0
