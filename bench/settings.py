"""Settings for bench/bids.py: the project's settings plus a trivial view to compare with."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

# 409 answers (a bid below the minimum) are the expected outcome of the race: not worth a log line.
LOGGING["loggers"]["django.request"] = {"level": "ERROR"}  # noqa: F405

# The benchmarks measure the engine, not the limiter: 16 clients from one address would
# otherwise be answered 429 by the per-user and per-address bid limits (core.ratelimit).
RATE_LIMITS: dict[str, dict[str, str]] = {}
