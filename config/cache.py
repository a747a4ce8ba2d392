"""The default cache backend: Django's RedisCache, failing open when Redis cannot be reached.

allauth keeps its rate-limit counts (log-in, sign-up, password reset) in the default cache, and the
preview limit and the calendar feed use it too. None of that is worth a 500: when Redis is down or
does not answer within its socket timeouts (settings CACHES OPTIONS), every operation logs a warning
and behaves as a miss: nothing found, nothing stored, an `add` that succeeds, an `incr` that starts
from zero. Rate limits are therefore not enforced while Redis is away; everything else keeps working.
"""

import functools
import logging

import redis
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

UNREACHABLE = (redis.ConnectionError, redis.TimeoutError)


def _fail_open(miss):
    """Run the wrapped cache operation; if Redis is unreachable, log and return `miss(*args)`."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except UNREACHABLE as error:
                logger.warning(
                    "cache unreachable, failing open: %s %s: %s", method.__name__, type(error).__name__, error
                )
                return miss(*args, **kwargs)

        return wrapper

    return decorate


def _default(key, default=None, version=None):
    return default


def _delta(key, delta=1, version=None):
    return delta


class FailOpenRedisCache(RedisCache):
    """RedisCache whose reads and writes are misses, with a logged warning, while Redis is down."""

    get = _fail_open(_default)(RedisCache.get)
    add = _fail_open(lambda *args, **kwargs: True)(RedisCache.add)  # as if the key were absent
    set = _fail_open(lambda *args, **kwargs: None)(RedisCache.set)
    touch = _fail_open(lambda *args, **kwargs: False)(RedisCache.touch)
    delete = _fail_open(lambda *args, **kwargs: False)(RedisCache.delete)
    has_key = _fail_open(lambda *args, **kwargs: False)(RedisCache.has_key)
    incr = _fail_open(_delta)(RedisCache.incr)  # a count starting afresh
    get_many = _fail_open(lambda *args, **kwargs: {})(RedisCache.get_many)
    set_many = _fail_open(lambda data, *args, **kwargs: list(data))(RedisCache.set_many)  # failed keys
    delete_many = _fail_open(lambda *args, **kwargs: None)(RedisCache.delete_many)
    clear = _fail_open(lambda *args, **kwargs: False)(RedisCache.clear)
