#!/usr/bin/env python
"""Benchmark: what our stack costs per request, and which gunicorn settings serve us best.

For each server setting given (gunicorn's sync workers, gthread workers, uvicorn workers), it
starts two servers with exactly the same gunicorn arguments:

* **ours**: the project's production settings (DEBUG=0, Redis cache and broker, PostgreSQL),
  `bench.wsgi` (or `config.asgi` with `bench.settings` for uvicorn workers), whose trivial view
  `/bench/ping/` goes through our whole middleware stack;
* **bare**: a throwaway Django project made by `django-admin startproject` from our virtualenv
  (the same Django), DEBUG=False, with one view at `/bench/ping/` returning the same "ok".

Then the same clients (8 keep-alive httpx clients on threads, bench/common.py's `hammer`)
request `/bench/ping/` of each server in alternating rounds (ours, bare, bare, ours, ...) so a
change in the machine's load falls on both alike, and it prints both req/s and their ratio
(issue 12's goal: ours within 10 % of bare). On our server it also measures `/healthz`
(one `SELECT 1` on PostgreSQL and a Redis set/get/delete: a request that uses the database and
the cache, which shows what persistent connections are worth under each worker class).

    REDIS_URL=redis://127.0.0.1:6379/10 flock /tmp/kb-bench.lock .venv/bin/python bench/serving.py
        [--configs sync:4 gthread:4x4 uvicorn:4] [--clients 8] [--seconds 10] [--rounds 2]
        [--database kb_bench_serving] [--server postgres://postgres@127.0.0.1:5432] [--in-process]

With --in-process it also times the trivial request straight through each project's WSGI
handler (no server, no client), in CPU time per request: steadier than requests/s on a
shared machine, and what the middleware itself costs.

A config is `sync:WORKERS`, `gthread:WORKERSxTHREADS` or `uvicorn:WORKERS`. Creates and drops
its own PostgreSQL database; the Redis database given is flushed at the end.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the project root

from bench.common import ROOT, Server, bench_env, database_recreate, free_port, hammer, migrate  # noqa: E402

BARE_URLS = """\
from django.http import HttpResponse
from django.urls import path


def ping(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/ping/", ping)]
"""

# The same trivial request straight through Django's WSGI handler, no server, no client: the
# CPU time (process_time, not wall time, so other work on the box counts less) per request,
# the best of 7 rounds after a warm-up.
IN_PROCESS = """\
import io, time
import django
django.setup()
from django.core.handlers.wsgi import WSGIHandler
handler = WSGIHandler()
environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/bench/ping/", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
           "HTTP_HOST": "127.0.0.1", "wsgi.input": io.BytesIO(b""), "wsgi.url_scheme": "http",
           "REMOTE_ADDR": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1", "QUERY_STRING": ""}
def start_response(status, headers):
    assert status.startswith("200"), status
for _ in range(1000):
    handler(dict(environ), start_response).close()
rounds = []
for _ in range(7):
    started = time.process_time()
    for _ in range(3000):
        handler(dict(environ), start_response).close()
    rounds.append((time.process_time() - started) / 3000 * 1e6)
print(min(rounds))
"""


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configs", nargs="+", default=["sync:4", "gthread:4x4", "uvicorn:4"])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds of trivial views per server")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds the seconds are split in")
    parser.add_argument("--in-process", action="store_true", help="also the CPU time per request without a server")
    parser.add_argument("--healthz-seconds", type=float, default=5.0, help="seconds of /healthz on ours (0: skip)")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--database", default="kb_bench_serving")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args()


def bare_project_create(folder: Path) -> Path:
    """`django-admin startproject bare` with our Django, DEBUG off, and the trivial view."""
    folder.mkdir(parents=True)
    subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, "-m", "django", "startproject", "bare", str(folder)], check=True
    )
    settings = folder / "bare" / "settings.py"
    text = settings.read_text().replace("DEBUG = True", "DEBUG = False")
    text = text.replace("ALLOWED_HOSTS = []", 'ALLOWED_HOSTS = ["127.0.0.1", "localhost"]')
    settings.write_text(text)
    (folder / "bare" / "urls.py").write_text(BARE_URLS)
    return folder


def config_parse(text: str) -> tuple[str, int, int]:
    kind, _, size = text.partition(":")
    workers, _, threads = size.partition("x")
    if kind not in ("sync", "gthread", "uvicorn") or not workers.isdigit():
        raise SystemExit(f"bad config {text!r}: sync:WORKERS, gthread:WORKERSxTHREADS or uvicorn:WORKERS")
    return kind, int(workers), int(threads or (4 if kind == "gthread" else 1))


def config_label(kind: str, workers: int, threads: int) -> str:
    labels = {"sync": f"{workers} sync", "gthread": f"{workers}×{threads} gthread", "uvicorn": f"{workers} uvicorn"}
    return labels[kind]


def server_start(kind: str, workers: int, threads: int, app: str, env: dict[str, str], cwd: Path, log: Path) -> Server:
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", app, "-b", f"127.0.0.1:{port}", "-w", str(workers)]
    if kind == "uvicorn":
        command += ["-k", "uvicorn_worker.UvicornWorker"]
    else:
        command += ["-k", kind, "--threads", str(threads)]
    return Server([*command, "--log-level", "warning"], env, port, cwd=cwd, log=log)


def rate(url: str, path: str, clients: int, seconds: float) -> tuple[int, float, int]:
    """(good answers, wall seconds, other answers) of `clients` keep-alive clients asking `path`."""
    import httpx

    pool = [httpx.Client(base_url=url, timeout=30) for _ in range(clients)]
    try:
        ok, refused, wall = hammer(pool, seconds, lambda c, i: c.get(path).status_code == 200)
    finally:
        for client in pool:
            client.close()
    return ok, wall, refused


def main() -> int:
    args = parse()
    if "REDIS_URL" not in os.environ:
        raise SystemExit("set REDIS_URL to a Redis database of your own (it is flushed at the end)")
    redis_url = os.environ["REDIS_URL"]
    configs = [config_parse(text) for text in args.configs]
    database_recreate(args.server, args.database)
    # Production settings, as bench/click.py runs them: DEBUG off, Redis cache + Celery broker.
    ours_env = bench_env(
        f"{args.server}/{args.database}",
        DEBUG="0",
        SECRET_KEY="bench-only-" + "x" * 50,
        SITE_URL="https://bench.invalid",
        SMS_BACKEND="notifications.sms.EskizSmsBackend",
        ESKIZ_EMAIL="bench@bench.invalid",
        ESKIZ_PASSWORD="bench",  # noqa: S106 (never used)
        CELERY_BROKER_URL=redis_url,
        CELERY_TASK_ALWAYS_EAGER="0",
        CLICK_SANDBOX="0",
    )
    # The settings' own choice: persistent connections under WSGI, none under ASGI (config/settings.py).
    ours_env.pop("CONN_MAX_AGE", None)
    migrate(ours_env)
    bare_env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_"))}
    bare_env["DJANGO_SETTINGS_MODULE"] = "bare.settings"
    os.environ.update(ours_env)  # hammer() closes each client thread's (unused) database connection
    import django

    django.setup()
    results = []
    status = 0
    in_process: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-serving-") as tmp:
        folder = Path(tmp)
        bare = bare_project_create(folder / "bare_project")
        if args.in_process:
            for name, env, cwd in (("ours", ours_env, ROOT), ("bare", bare_env, bare)):
                run = [sys.executable, "-c", IN_PROCESS]
                done = subprocess.run(run, env=env, cwd=cwd, capture_output=True, text=True, check=True)  # noqa: S603
                in_process[name] = float(done.stdout.strip().splitlines()[-1])
        for kind, workers, threads in configs:
            label = config_label(kind, workers, threads)
            ours_app, bare_app = ("config.asgi:application", "bare.asgi:application")
            if kind != "uvicorn":
                ours_app, bare_app = "bench.wsgi", "bare.wsgi"
            servers = []
            try:
                servers.append(server_start(kind, workers, threads, ours_app, ours_env, ROOT, folder / "ours.log"))
                servers.append(server_start(kind, workers, threads, bare_app, bare_env, bare, folder / "bare.log"))
                ours, theirs = servers
                for server in servers:  # every worker started, imports done
                    rate(server.url, "/bench/ping/", args.clients, 1.0)
                totals = {"ours": [0, 0.0], "bare": [0, 0.0]}
                for round_ in range(args.rounds):
                    order = (("ours", ours), ("bare", theirs))
                    for name, server in order if round_ % 2 == 0 else order[::-1]:
                        ok, wall, refused = rate(server.url, "/bench/ping/", args.clients, args.seconds / args.rounds)
                        totals[name][0] += ok
                        totals[name][1] += wall
                        if refused:
                            print(f"  ({label}, {name}: {refused} answers other than 200)")
                            status = 1
                health = (0, 0.0, 0)
                if args.healthz_seconds:
                    health = rate(ours.url, "/healthz", args.clients, args.healthz_seconds)
                    if health[2]:
                        print(f"  ({label}: /healthz answered other than 200 {health[2]} times)")
                        status = 1
            finally:
                for server in servers:
                    server.stop()
            ours_rate = totals["ours"][0] / totals["ours"][1]
            bare_rate = totals["bare"][0] / totals["bare"][1]
            health_rate = health[0] / health[1] if health[1] else 0.0
            results.append((label, ours_rate, bare_rate, health_rate))
            print(
                f"  {label:<18} ours {ours_rate:8.1f} req/s, bare {bare_rate:8.1f} req/s,"
                f" ours/bare {ours_rate / bare_rate:.2f}; /healthz (PostgreSQL+Redis) {health_rate:7.1f} req/s",
                flush=True,
            )
    if not args.keep:
        database_recreate(args.server, args.database, drop_only=True)
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    print(
        f"bench/serving.py — trivial view /bench/ping/ of ours and of a bare startproject, the same gunicorn"
        f" settings, {args.clients} clients, {args.seconds:.0f} s per server in {args.rounds} alternating rounds,"
        f" DEBUG=0, load average {os.getloadavg()[0]:.1f} at the end"
        f" ({time.strftime('%d %b %Y %H:%M UTC', time.gmtime())})"
    )
    print(f"  {'server setting':<18} {'ours req/s':>10} {'bare req/s':>10} {'ours/bare':>9} {'/healthz req/s':>14}")
    for label, ours_rate, bare_rate, health_rate in results:
        print(f"  {label:<18} {ours_rate:10.1f} {bare_rate:10.1f} {ours_rate / bare_rate:9.2f} {health_rate:14.1f}")
    if in_process:
        print(
            f"  in-process (WSGIHandler, no server): ours {in_process['ours']:.1f} µs CPU per request,"
            f" bare {in_process['bare']:.1f} µs, ours/bare {in_process['ours'] / in_process['bare']:.2f}"
        )
    return status


if __name__ == "__main__":
    sys.exit(main())
