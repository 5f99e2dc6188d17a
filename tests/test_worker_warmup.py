"""config.warmup: a new server worker builds Django's lazy tables before its first request."""

import logging
import subprocess
import sys
from pathlib import Path

from config import warmup

ROOT = Path(__file__).resolve().parent.parent

FRESH_PROCESS = """
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from django.urls import get_resolver
from django.utils.translation import trans_real
resolver = get_resolver()
assert not resolver._populated and not {"uz", "en"} & set(trans_real._translations)
from config.warmup import worker_warm
seconds = worker_warm()
assert resolver._populated, "the reverse tables are built"
assert all(ns._populated for _prefix, ns in resolver.namespace_dict.values()), "and every namespace's"
assert set(trans_real._translations) >= {"ru", "uz", "en"}, sorted(trans_real._translations)
# Built on a thread of its own: nothing left in this (the worker's main) thread's context-local
# storage, which every uvicorn request task would inherit.
assert not hasattr(resolver._local, "populating")
# Then the warm heap is frozen: the collector's passes skip it, and still collect what comes after.
import gc, weakref
from config.warmup import worker_heap_freeze
assert gc.get_freeze_count() == 0
frozen = worker_heap_freeze()
assert frozen == gc.get_freeze_count() > 50_000, frozen
class Cycle: pass
garbage = Cycle(); garbage.me = garbage
gone = weakref.ref(garbage)
del garbage
gc.collect()
assert gone() is None, "a cycle made after the freeze is still collected"
print(f"{seconds:.3f}")
"""


def test_a_fresh_process_is_warm_after_worker_warm():
    done = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", FRESH_PROCESS], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert float(done.stdout.strip()) > 0


def test_a_failing_step_is_logged_and_the_worker_still_starts(monkeypatch, caplog):
    def broken() -> None:
        raise ConnectionError("redis is down")

    # The steps run on a thread of their own (and the cache is per thread): break the class.
    monkeypatch.setattr("django.core.cache.backends.redis.RedisCache.get", lambda *a, **k: broken())
    monkeypatch.setattr("django.core.cache.backends.locmem.LocMemCache.get", lambda *a, **k: broken())
    with caplog.at_level(logging.WARNING, logger="config.warmup"):
        seconds = warmup.worker_warm()
    assert seconds >= 0
    assert "worker warm-up: cache failed" in caplog.text
