"""Settings for Career Pathways.

Every value that differs between a laptop and production comes from the environment, read
here and nowhere else. The README lists each variable. Defaults suit `make run` on a laptop.
"""

import logging
from pathlib import Path

import structlog
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

from config.env import env_bool, env_choice, env_database, env_int, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

# A laptop keeps its settings in .env (git-ignored; `make run` writes one with DEBUG on), so plain
# `manage.py` commands work there. Real environment variables win; production sets no .env, and the
# test suite ignores it (PYTHON_DOTENV_DISABLED=1).
load_dotenv(BASE_DIR / ".env")

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "insecure-development-key-only-used-when-DEBUG-is-on"

SITE_URL = env_url("SITE_URL", "http://127.0.0.1:8000")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [SITE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "csp",
    "allauth",
    "allauth.account",
    "django_structlog",
    "simple_history",  # guide content edits: who, when, what changed (careers.models.ContentHistory)
    "careers",
    "accounts",
    "config.apps.SiteConfig",  # /healthz and the request log's fields
]

MIDDLEWARE = [
    # First, so that every request (HTTPS redirects included) gets its one log line and its duration.
    "django_structlog.middlewares.RequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.csp.CSPMiddleware",  # django-csp's, with the policy built once (config/csp.py)
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",  # the admin user behind a content edit
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Each web and worker process keeps its database connection from one request to the next (a new
# one costs a few milliseconds), for CONN_MAX_AGE seconds, and checks that it still works before
# reusing it: a database restart costs no request an error.
DATABASES = {
    "default": env_database(
        "DATABASE_URL",
        f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=env_bool("CONN_HEALTH_CHECKS", True),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Career Pathways <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Accounts (django-allauth): email + password, no usernames typed, verification link mandatory.
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/dashboard/"
LOGOUT_REDIRECT_URL = "/"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"  # email links use SITE_URL
ACCOUNT_FORMS = {  # allauth's forms with our wording; sign-up also takes the browser's time zone
    "signup": "accounts.forms.SignupForm",
    "login": "accounts.forms.LoginForm",
    "add_email": "accounts.forms.AddEmailForm",
    "change_password": "accounts.forms.ChangePasswordForm",
    "set_password": "accounts.forms.SetPasswordForm",
    "reset_password": "accounts.forms.ResetPasswordForm",
    "reset_password_from_key": "accounts.forms.ResetPasswordKeyForm",
}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"  # auth.User keeps a username; allauth generates it
ACCOUNT_USER_DISPLAY = "accounts.adapter.user_display"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False  # a link, not a code
ACCOUNT_CONFIRM_EMAIL_ON_GET = False  # the link shows a page whose button (POST) confirms
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True  # only in the browser that signed up
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
ACCOUNT_EMAIL_NOTIFICATIONS = True  # tell people when their password or email addresses change
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Career Pathways] "
ACCOUNT_SESSION_REMEMBER = None  # "Remember me" checkbox; unticked ends the session with the browser
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PREVENT_ENUMERATION = True
# allauth's default limits (login_failed "10/m/ip,5/5m/key", signup "20/m/ip", ...) plus ours:
# the email's signed links (careers.views inbox_*), per client and per link. ACCOUNT_RATE_LIMITS=0
# turns them all off (e.g. for load tests). Counted in the default cache.
ACCOUNT_RATE_LIMITS = {"inbox_link": "30/m/ip,10/m/key"} if env_bool("ACCOUNT_RATE_LIMITS", True) else False
# Proxies in front of the app that set X-Forwarded-For: rate limits count per client IP, not per proxy.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

CELERY_BROKER_URL = env_url(
    "CELERY_BROKER_URL",
    env_url("REDIS_URL", "filesystem://", schemes=("redis", "rediss")),
    schemes=("redis", "rediss", "filesystem", "sqla+sqlite"),
)

# Celery (config/celery.py reads every CELERY_* setting). `make run` needs no Redis: its default broker
# is plain files under var/broker, shared by the web, worker and beat processes of one machine.
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "broker" / "queue"),
        "data_folder_out": str(VAR_DIR / "broker" / "queue"),
        "control_folder": str(VAR_DIR / "broker" / "control"),
        "processed_folder": str(VAR_DIR / "broker" / "processed"),
        "store_processed": False,  # delete messages once consumed
    }
    for _folder in ("data_folder_in", "control_folder", "processed_folder"):
        Path(CELERY_BROKER_TRANSPORT_OPTIONS[_folder]).mkdir(parents=True, exist_ok=True)
CELERY_TASK_ACKS_LATE = True  # a task whose worker dies mid-way is redelivered, not lost...
CELERY_TASK_REJECT_ON_WORKER_LOST = True  # ...also when the worker process is killed
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # a busy worker does not hoard queued tasks
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True  # wait for a broker that starts after the worker
CELERY_TASK_IGNORE_RESULT = True  # no result backend: tasks record their effects in the database
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "dispatch-weekly-reminders": {"task": "careers.tasks.dispatch_reminders", "schedule": 300.0},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# The default cache also counts allauth's rate limits: in Redis, all web processes share the counts.
_CACHE_REDIS_URL = env_url("REDIS_URL", "", schemes=("redis", "rediss")) or (
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else ""
)
CACHES = {
    "default": (
        {
            # Fails open (a logged miss) when Redis is unreachable: log-in and sign-up keep working.
            "BACKEND": "config.cache.FailOpenRedisCache",
            "LOCATION": _CACHE_REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
        if _CACHE_REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
    # Rendered pages and page parts (careers/page_cache.py), apart from the rate-limit counts above:
    # a burst of pages never pushes a count out. In each process's memory, with room for a few pages
    # per pathway: their keys hold the content version, so a copy never goes stale, and a page
    # served from memory costs no round trip.
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pages",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
    # Behind it, with Redis, the same entries shared by every web process: a page is rendered once
    # for all of them.
    **(
        {
            "pages_shared": {
                "BACKEND": "config.cache.FailOpenRedisCache",
                "LOCATION": _CACHE_REDIS_URL,
                "KEY_PREFIX": "pages",
                "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
            }
        }
        if _CACHE_REDIS_URL
        else {}
    ),
}
# Sessions are read from the cache (the database only on a miss; written to both) when the cache is
# Redis, shared by every web process: a per-process cache would let one process keep a session that
# another ended (a log-out). The cache fails open: with Redis down, sessions come from the database.
# (A session ended while Redis was unreachable can then be read from it again, until it expires.)
_SESSIONS = "django.contrib.sessions.backends"
SESSION_ENGINE = f"{_SESSIONS}.cached_db" if _CACHE_REDIS_URL else f"{_SESSIONS}.db"

# HTTPS. `manage.py check --deploy` is clean with DEBUG off and an https:// SITE_URL (README: Production).
_HTTPS = SITE_URL.startswith("https://")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _HTTPS
# TLS ends at a proxy, which must set X-Forwarded-Proto (and strip it from what clients send).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", _HTTPS)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if _HTTPS else 0)
# Both off unless asked for: every subdomain must then serve HTTPS, and preloading is hard to undo.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# ...so check --deploy's advice to turn them on is a decision taken here, not a warning to act on.
SILENCED_SYSTEM_CHECKS = [
    *([] if SECURE_HSTS_INCLUDE_SUBDOMAINS else ["security.W005"]),
    *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Browser features the site never uses, refused to it and to anything it might embed.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
        "browsing-topics",
    )
}

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Logs: one line per request ("request_finished": request_id, user_id, method, path, status,
# duration_ms) and per Celery task ("task_succeeded"/"task_failed"/"task_retrying": task_id, task,
# duration_ms), from django-structlog (fields added in config/observability.py). JSON lines in
# production, readable text on a laptop.
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
LOG_FORMAT = env_choice("LOG_FORMAT", ("json", "console"), "console" if DEBUG else "json")
DJANGO_STRUCTLOG_CELERY_ENABLED = True
# "request_started", "task_enqueued" and "task_started" only at DEBUG: one line per request and task at INFO.
DJANGO_STRUCTLOG_STATUS_START_LOG_LEVEL = DJANGO_STRUCTLOG_CELERY_TASK_START_LOG_LEVEL = logging.DEBUG
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False  # an address is personal data; the request id suffices
_SHARED_LOG_PROCESSORS = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": structlog.stdlib.ProcessorFormatter,
            "foreign_pre_chain": _SHARED_LOG_PROCESSORS,  # lines from Django, Celery, ... too
            "processors": [
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                # Tracebacks as data, without local variables (they may hold personal data).
                structlog.processors.ExceptionRenderer(
                    structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
                ),
                structlog.processors.JSONRenderer(),
            ],
        },
        "console": {
            "()": structlog.stdlib.ProcessorFormatter,
            "foreign_pre_chain": _SHARED_LOG_PROCESSORS,
            "processors": [
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.dev.ConsoleRenderer(colors=False),
            ],
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's default handlers (plain console text with DEBUG on, mail to ADMINS): lines go to
        # the root handler instead, formatted as all others.
        "django": {"handlers": [], "propagate": True},
        # Every request, 4xx and 5xx included, has its line from django-structlog ("request_finished",
        # or "request_failed" with the traceback): Django's own request lines would repeat it.
        "django.request": {"level": "CRITICAL"},
        "django.server": {"level": "CRITICAL"},
        # Celery's own "received" / "succeeded in" / "raised" lines repeat django-structlog's task line.
        "celery.worker.strategy": {"level": "WARNING"},
        "celery.app.trace": {"level": "CRITICAL"},
    },
}
structlog.configure(
    processors=[
        structlog.stdlib.filter_by_level,
        *_SHARED_LOG_PROCESSORS,
        structlog.stdlib.PositionalArgumentsFormatter(),
        structlog.processors.StackInfoRenderer(),
        structlog.processors.UnicodeDecoder(),
        structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
    ],
    logger_factory=structlog.stdlib.LoggerFactory(),
    wrapper_class=structlog.stdlib.BoundLogger,
    cache_logger_on_first_use=True,
)

# Error reporting (Sentry), off unless SENTRY_DSN is set; sentry-sdk is imported only then.
SENTRY_DSN = env_url("SENTRY_DSN", "")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env_str("SENTRY_ENVIRONMENT", "development" if DEBUG else "production"),
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,  # no e-mail addresses, cookies or IPs leave for a third party
        traces_sample_rate=0.0,  # errors only
    )
