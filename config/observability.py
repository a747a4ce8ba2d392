"""What each log line says: django-structlog writes one "request_finished" line per request and one
"task_succeeded" / "task_failed" / "task_retrying" line per Celery task; the receivers here give those
lines flat fields (method, path, status, duration_ms, task name) and echo the request id to the client.
"""

import time

import structlog
from celery.signals import task_postrun
from django_structlog import signals
from django_structlog.celery import signals as celery_signals


def _started(request, logger, log_kwargs, **kwargs):
    request._log_started_ns = time.monotonic_ns()


def _request_fields(request, log_kwargs):
    log_kwargs.pop("request", None)  # "GET /path?query", split below
    log_kwargs["method"] = request.method
    log_kwargs["path"] = request.path
    log_kwargs["status"] = log_kwargs.pop("code", None)
    started = getattr(request, "_log_started_ns", None)
    if started is not None:
        log_kwargs["duration_ms"] = round((time.monotonic_ns() - started) / 1_000_000, 1)


def _finished(request, logger, response, log_kwargs, **kwargs):
    _request_fields(request, log_kwargs)
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    if request_id:
        response.headers.setdefault("X-Request-ID", request_id)  # quoted in a support request


def _failed(request, logger, exception, log_kwargs, **kwargs):
    _request_fields(request, log_kwargs)


def _task_started(task, logger, **kwargs):
    structlog.contextvars.bind_contextvars(task=task.name)  # on every line the task logs


def _task_finished(task_id, **kwargs):
    # django-structlog binds a task's context when it starts and never clears it: without this, the
    # worker's lines between tasks would name the previous task. (In a web process running a task
    # eagerly nothing was bound, and the request's context stays.)
    if structlog.contextvars.get_contextvars().get("task_id") == task_id:
        structlog.contextvars.clear_contextvars()


def connect():
    signals.bind_extra_request_metadata.connect(_started, weak=False, dispatch_uid="log_started")
    signals.bind_extra_request_finished_metadata.connect(_finished, weak=False, dispatch_uid="log_finished")
    signals.bind_extra_request_failed_metadata.connect(_failed, weak=False, dispatch_uid="log_failed")
    celery_signals.bind_extra_task_metadata.connect(_task_started, weak=False, dispatch_uid="log_task")
    task_postrun.connect(_task_finished, weak=False, dispatch_uid="log_task_finished")
