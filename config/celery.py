"""The Celery app: timed and background work.

Production runs a worker and beat on Redis (CELERY_BROKER_URL). The embedded
default has no broker: tasks run eagerly in the process that enqueues them, and
`auction_jobs --loop` (started by `make run`) drives the periodic work.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("kvartirabar")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
