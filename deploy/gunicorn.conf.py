"""gunicorn for kvartirabar: two services from this one file, told apart by the app they serve.

    .venv/bin/gunicorn -c deploy/gunicorn.conf.py config.wsgi:application                      # web
    .venv/bin/gunicorn -c deploy/gunicorn.conf.py -b 127.0.0.1:8002 config.asgi:application    # ws

* **web** (config.wsgi, 127.0.0.1:8001): the pages, the API, the admin, the Click and Payme
  callbacks, on gthread workers (a few threads each) that keep their PostgreSQL connections
  open across requests (CONN_MAX_AGE, health-checked).
* **ws** (config.asgi, 127.0.0.1:8002): the live auction WebSockets (/ws/), on uvicorn workers
  (package uvicorn-worker). config.asgi answers HTTP as well, so one ASGI service alone still
  serves the whole site (as the tests and a small install may run it).

Chosen by measurement (bench/serving.py and bench/click.py; figures and commands in
docs/benchmarks.md, "Request overhead and serving"), on the 2-core box: with gthread
workers the trivial view served 1.1-3x the requests per second of 4 sync workers (which
close every connection and serve one request per process) and ~2x those of uvicorn workers;
a request that uses PostgreSQL and Redis (/healthz) 1.6-2.9x and 3.5-9x. Under ASGI Django
keeps no database connection (each request runs on a thread of its own), so every request
opens a new PostgreSQL connection. Click's Prepare+Complete pairs did not separate gthread from
sync workers beyond the box's noise (bench/click.py). Bids (bench/bids.py) did separate the
number of processes: two per core (below).

nginx in front terminates TLS and sends /ws/ to the ws service, the rest to web
(deploy/nginx/kvartirabar.conf). Every value can be overridden from the environment (the
systemd units read the same .env as Django): GUNICORN_BIND, GUNICORN_WORKERS,
GUNICORN_THREADS, GUNICORN_WS_WORKERS, GUNICORN_WORKER_CLASS, GUNICORN_TIMEOUT, ... Workers are stateless
(sessions, cache and channel layer in PostgreSQL/Redis), so more of them, or more machines
behind the load balancer, just add capacity.
"""

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _serves_asgi(argv: list[str]) -> bool:
    """Whether the app named on gunicorn's command line is an ASGI one (config.asgi:application)."""
    return any(arg.split(":", 1)[0].endswith(".asgi") for arg in argv[1:] if not arg.startswith("-"))


ASGI = _serves_asgi(sys.argv)
CORES = multiprocessing.cpu_count()

# nginx proxies to this address; keep it on loopback (or a private network). The ws unit
# passes its own with -b (the command line wins over this file).
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
if ASGI:
    # The uvicorn worker (package uvicorn-worker) runs the ASGI app: WebSockets (and HTTP),
    # without permessage-deflate (config.workers: compressing each small broadcast once per
    # watcher cost most of a bid's fan-out).
    # Async workers: each holds many connections, so 2 × cores + 1 is plenty. GUNICORN_WORKERS
    # in .env sizes the web service; the ws service (kvartirabar-ws) reads GUNICORN_WS_WORKERS first.
    worker_class = os.environ.get("GUNICORN_WS_WORKER_CLASS", "config.workers.WebSocketWorker")
    workers = _env_int("GUNICORN_WS_WORKERS", _env_int("GUNICORN_WORKERS", CORES * 2 + 1))
else:
    # Two workers per core, a few threads each to overlap the waits on PostgreSQL and Redis.
    # Measured on 2 cores (docs/benchmarks.md, "Serving the bids"): the trivial view is the same
    # with 2×4, 4×4 and 2×8 threads, but requests that wait on the database are not. Bids on one
    # hot auction (bench/bids.py, 16 bidders): 2×4 answered 60–66 bids/s with p50 121–129 ms,
    # 4×4 88–95/s with p50 77–83 ms; the Python of one process runs one thread at a time, and
    # with one process per core a worker that waits leaves its core idle (40 % of the box stayed
    # idle under 2×4). Database connections: workers × threads (16 here), which must stay below
    # PostgreSQL's max_connections with everything else. With GUNICORN_WORKER_CLASS=sync and
    # threads > 1 gunicorn runs gthread.
    worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
    workers = _env_int("GUNICORN_WORKERS", CORES * 2)
    threads = _env_int("GUNICORN_THREADS", 4)
# A request (not a WebSocket) must finish within this; Click waits about 30 s at most.
timeout = _env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _env_int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then (jitter so they do not restart together).
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = _env_int("GUNICORN_MAX_REQUESTS_JITTER", 500)
# X-Forwarded-For/-Proto are believed only from these addresses (nginx on this machine);
# Django applies the same rule again with TRUSTED_PROXIES (core.clientip).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proxy_allow_ips = forwarded_allow_ips
# Logs to stdout/stderr: journald (systemd) collects them. Django logs JSON itself.
# No access log of gunicorn's own: nginx logs every request, with its time in all and in the app
# (deploy/nginx/kvartirabar.conf, format kvartirabar_timed), and gunicorn's line per request cost
# ~0.17 ms of CPU, a quarter of a trivial request (bench/bids.py, docs/benchmarks.md).
# GUNICORN_ACCESS_LOG=- logs them to stdout again (a path: to that file).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Load the app in each worker (not the master): a deploy restart then reloads code cleanly,
# and no database connection is shared across a fork.
preload_app = False
proc_name = "kvartirabar"


_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def post_fork(server: object, worker: object) -> None:
    """A worker dies with its master. If the master is killed outright (SIGKILL, the OOM killer),
    its orphaned workers would keep the port for their whole graceful timeout, and the restarted
    service could not bind it; with this, the kernel ends them at once and systemd's restart
    binds the port within seconds."""
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != getattr(worker, "ppid", os.getppid()):  # the master died before prctl took effect
        os._exit(1)


def post_worker_init(worker: object) -> None:
    """Build what Django builds on first use (URL reverse tables, translation catalogues, the Redis
    and Celery clients) before the worker's first request, not during it; then freeze the warm
    heap so the garbage collector's full passes skip it (config.warmup)."""
    from config.warmup import worker_heap_freeze, worker_warm

    seconds = worker_warm()
    frozen = worker_heap_freeze()
    log = getattr(worker, "log", None)
    if log is not None:
        log.debug("worker %s warmed in %.0f ms, %d objects frozen", os.getpid(), seconds * 1000, frozen)
