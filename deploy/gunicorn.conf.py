"""gunicorn for kvartirabar: a master process managing uvicorn (ASGI) workers.

    .venv/bin/gunicorn -c deploy/gunicorn.conf.py config.asgi:application

One process serves pages, the Click callbacks and the live auction WebSockets
(/ws/); nginx in front terminates TLS (deploy/nginx/kvartirabar.conf). Every
value can be overridden from the environment (the systemd unit reads the same
.env as Django): GUNICORN_BIND, GUNICORN_WORKERS, GUNICORN_TIMEOUT, ...
Workers are stateless (sessions, cache and channel layer in PostgreSQL/Redis),
so more of them, or more machines behind the load balancer, just add capacity.
"""

import ctypes
import ctypes.util
import multiprocessing
import os
import signal


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# nginx proxies to this address; keep it on loopback (or a private network).
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
# The uvicorn worker (package uvicorn-worker) runs the ASGI app: HTTP and WebSockets.
worker_class = "uvicorn_worker.UvicornWorker"
# Async workers: each holds many connections, so 2 × cores + 1 is plenty.
workers = _env_int("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1)
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
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
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
