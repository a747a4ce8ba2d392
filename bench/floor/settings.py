"""Settings of the floor app: Django with nothing installed, no middleware and no database."""

SECRET_KEY = "bench-floor-only"  # nothing is signed: the one view reads no cookie
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.floor.urls"
WSGI_APPLICATION = "bench.floor.wsgi.application"
INSTALLED_APPS = []
MIDDLEWARE = []
DATABASES = {}
USE_TZ = True
