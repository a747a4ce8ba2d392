"""URL paths reversed once per process: the pages and the weekly email print hundreds of links to a
few views, and Django's reverse() costs tens of microseconds each time."""

from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

# Stand-ins reversed once per view; every path is the result with its own arguments put back.
_STAND_INS = (1_000_000_001, 1_000_000_002)


@lru_cache(maxsize=64)
def path_pattern(url_name, arity, urlconf, script_prefix):
    """The path of `url_name` with `arity` arguments as a str.format() pattern ("{0}", "{1}")."""
    path = reverse(url_name, urlconf=urlconf, args=_STAND_INS[:arity])
    for index, stand_in in enumerate(_STAND_INS[:arity]):
        path = path.replace(str(stand_in), f"{{{index}}}")
    return path


def current_urls():
    """The URL configuration and script prefix reverse() would use now (path_pattern's key)."""
    return get_urlconf() or settings.ROOT_URLCONF, get_script_prefix()


def url_path(url_name, *args):
    """reverse(url_name, args=args), for arguments reverse() would not quote (ids, slugs, signed
    tokens)."""
    return path_pattern(url_name, len(args), *current_urls()).format(*args)
