"""GET /healthz for load balancers: 200 when the database and the broker answer, 503 naming the part
that does not, e.g. {"database": "ok", "broker": "unreachable"}.

Cheap on purpose: one `SELECT 1` and one broker round trip with a short timeout; no session, no user,
never cached, and exempt from the HTTPS redirect (SECURE_REDIRECT_EXEMPT).
"""

from pathlib import Path

import structlog
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = structlog.get_logger(__name__)

BROKER_TIMEOUT_SECONDS = 2.0
OK, UNREACHABLE = "ok", "unreachable"


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_broker():
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        # Plain folders on this machine: reachable while the queue folder is there.
        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        if not folder.is_dir():
            raise OSError(f"broker folder {folder} is missing")
    elif url.startswith(("redis://", "rediss://")):
        import redis

        client = redis.Redis.from_url(
            url, socket_connect_timeout=BROKER_TIMEOUT_SECONDS, socket_timeout=BROKER_TIMEOUT_SECONDS
        )
        try:
            client.ping()
        finally:
            client.close()
    else:
        from kombu import Connection

        options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
        with Connection(url, transport_options=options, connect_timeout=BROKER_TIMEOUT_SECONDS) as conn:
            conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)


CHECKS = {"database": check_database, "broker": check_broker}


@never_cache
@require_safe
def healthz(request):
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as error:
            logger.warning("healthz_check_failed", part=name, error=repr(error))
            results[name] = UNREACHABLE
        else:
            results[name] = OK
    healthy = all(result == OK for result in results.values())
    return JsonResponse(results, status=200 if healthy else 503)
