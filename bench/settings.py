"""Settings for bench/bids.py: the project's settings plus a trivial view to compare with."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

# 409 answers (a bid below the minimum) are the expected outcome of the race: not worth a log line.
LOGGING["loggers"]["django.request"] = {"level": "ERROR"}  # noqa: F405
