"""What a new server worker does before it takes its first request.

Django and the libraries it uses import and build much on first use: the URL resolver's reverse
tables (every `reverse()` and `{% url %}`), the translation catalogues, the Redis client and the
Celery producer. A fresh worker paid ~300 ms of that on its first requests (a bid placed on a new
worker took 235 ms instead of 32; bench/fanout.py), and workers are new after every deploy and
every `max_requests` recycle. deploy/gunicorn.conf.py calls worker_warm() from post_worker_init,
in the worker (after the fork: the connections opened here are the worker's own).
"""

import gc
import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.urls import URLResolver, get_resolver
from django.utils import translation

logger = logging.getLogger(__name__)


def _resolver_warm(resolver: URLResolver) -> None:
    """Build the reverse tables of this resolver and of every included one (namespaced or not)."""
    resolver.reverse_dict  # noqa: B018 (the property builds the tables)
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            _resolver_warm(pattern)


def _warm(name: str, step: Callable[[], object]) -> None:
    try:
        step()
    except Exception:  # a cold worker still serves; it only pays on its first requests
        logger.warning("worker warm-up: %s failed", name, exc_info=True)


def worker_warm() -> float:
    """Warm this process; returns the seconds it took. Never raises.

    The work runs on a throwaway thread: a new thread starts with an empty context, so what Django
    keeps in context-local storage while it builds (the URL resolver's "populating" flag, the
    active language) never lands in the worker's main context, which uvicorn's request tasks
    would all inherit (warming on the main thread made every ASGI request ~20 % slower)."""
    started = time.perf_counter()
    thread = threading.Thread(target=_worker_warm_steps, name="worker-warm-up")
    thread.start()
    thread.join()
    return time.perf_counter() - started


def worker_heap_freeze() -> int:
    """Move every object the warm worker holds (modules, classes, Django's tables, the templates)
    out of the garbage collector's sight; returns how many. Python's full collection walks every
    tracked object: ~190 000 in a warm worker, a 70-90 ms pause in the middle of some request
    every few hundred requests; after this it walks only what requests have left, ~10 ms.
    Nothing frozen is ever collected, so this runs once, when the worker is warm (the frozen
    objects live as long as the worker anyway)."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def _worker_warm_steps() -> None:
    _warm("urls", lambda: _resolver_warm(get_resolver()))

    def languages() -> None:
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                translation.gettext("Аукцион")

    _warm("translations", languages)

    def cache() -> None:
        from django.core.cache import cache

        cache.get("warmup")

    _warm("cache", cache)

    def celery() -> None:
        from config.celery import app

        with app.producer_or_acquire():
            pass

    _warm("celery", celery)
