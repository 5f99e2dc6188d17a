#!/usr/bin/env python
"""Benchmark: Click Prepare+Complete pairs per second through a real HTTP server (gunicorn),
ours beside django-click-uz 0.1.2 in the same run, next to the trivial Django view of our
server. Both servers: production settings (DEBUG=0, Redis), the same gunicorn settings
(4 sync workers by default), the same database kind and settings, the same client code
(8 concurrent clients, Click's md5 signatures, every pair pays a fresh order).

It also measures a floor on our server: a view that only locks one payment row by its order id
and writes it (bench/urls.py), two per pair, in the same alternating rounds. No callback that
changes a payment under a lock, ours or anyone's, answers faster on this server.

    REDIS_URL=redis://127.0.0.1:6379/13 .venv/bin/python bench/click.py [--db postgres|sqlite|both]
        [--clients 8] [--seconds 10] [--payments 5000] [--database kb_bench_click]

django-click-uz is installed from PyPI into a throwaway virtualenv (it needs Python ≥ 3.12: the
first python3.12+/3.13 found on PATH or under pyenv, or --theirs-python), with our versions of
Django, gunicorn, psycopg and redis, and served from a minimal project the script writes: an
`orders.Order` model (amount, status, indexed transaction_param) and the package's own
ModelOrderHandler, which looks the order up, locks it and marks it waiting/paid, and its
audit log (one row per callback).

Creates (and drops) its own databases (PostgreSQL on 127.0.0.1:5432, SQLite files in a temp
dir). Production settings with Redis means Celery's broker is Redis (REDIS_URL) and no worker
runs: tasks our callbacks enqueue stay in that Redis database, which is flushed at the end,
so use a Redis database of your own. Not a test: it prints figures; it exits 1 only if an
invariant is broken (on SQLite, failed pairs are counted separately and break "every pair
answered 0").
"""

import argparse
import contextlib
import glob
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from importlib import metadata
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the project root, not bench/ (bench/click.py ≠ click)

import httpx  # noqa: E402 (after the sys.path fix: httpx imports click)

from bench.common import (  # noqa: E402
    ROOT,
    Server,
    bench_env,
    database_recreate,
    free_port,
    hammer,
    hot_auction_create,
    migrate,
    percentiles,
)

THEIRS = "django-click-uz==0.1.2"
SERVICE_ID = "12345"
MERCHANT_ID = "23456"
SECRET = "bench-click-secret"  # noqa: S105 (the bench servers' own throwaway secret)
OURS_PATHS = ("/api/auctions/click/prepare/", "/api/auctions/click/complete/")
THEIRS_PATHS = ("/payment/click/prepare/", "/payment/click/complete/")
FLOOR_PATH = "/bench/locked-write/"  # bench/urls.py
THEIRS_AMOUNT = "50000.00"  # the same as our default AUCTION_FEE


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("postgres", "sqlite", "both"), default="both")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds the --seconds of pairs are split in")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of pairs before measuring, per server")
    parser.add_argument("--payments", type=int, default=5000, help="our payments prepared in advance (one per pair)")
    parser.add_argument("--orders", type=int, default=20000, help="django-click-uz orders created in advance")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes (both servers)")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker; 1 = sync workers (both servers)")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--database", default="kb_bench_click", help="PostgreSQL database (theirs: NAME_dcu)")
    parser.add_argument("--theirs-python", help="a Python ≥ 3.12 for django-click-uz's virtualenv")
    parser.add_argument("--theirs-venv", help="reuse this virtualenv (made by an earlier run of this script)")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    return parser.parse_args()


# --- django-click-uz: a throwaway virtualenv and a minimal project --------------------------------

PROJECT_FILES = {
    "manage.py": """\
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dcu_bench.settings")
from django.core.management import execute_from_command_line

execute_from_command_line(sys.argv)
""",
    "dcu_bench/__init__.py": "",
    "dcu_bench/settings.py": """\
import json
import os

DEBUG = False
SECRET_KEY = "bench-only-" + "x" * 50
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "click_uz",
    "orders",
]
# `django-admin startproject`'s middleware, less nothing.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "dcu_bench.urls"
WSGI_APPLICATION = "dcu_bench.wsgi.application"
# Our server's database settings, with another NAME (bench/click.py passes them).
DATABASES = {"default": json.loads(os.environ["DCU_DATABASE"])}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"]}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
TIME_ZONE = "Asia/Tashkent"
USE_TZ = True
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "ERROR"},
}
CLICK = {
    "SERVICE_ID": int(os.environ["CLICK_SERVICE_ID"]),
    "MERCHANT_ID": int(os.environ["CLICK_MERCHANT_ID"]),
    "SECRET_KEY": os.environ["CLICK_SECRET_KEY"],
    "ACCOUNT_MODEL": "orders.Order",
    "AMOUNT_FIELD": "amount",
    "STATUS_FIELD": "status",
    "MERCHANT_TRANS_FIELD": "transaction_param",
    "ENABLE_AUDIT": True,
    # Plain HTTP on loopback, as ours is measured (TLS ends at nginx in both set-ups).
    "WEBHOOK_REQUIRE_HTTPS": False,
}
""",
    "dcu_bench/urls.py": """\
from django.http import HttpResponse
from django.urls import include, path


def ping(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/ping/", ping), path("payment/click/", include("click_uz.urls"))]
""",
    "dcu_bench/wsgi.py": """\
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dcu_bench.settings")
application = get_wsgi_application()
""",
    "orders/__init__.py": "",
    # The package README's Order, with an index on the field Prepare looks orders up by.
    "orders/models.py": """\
from django.db import models


class Order(models.Model):
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    status = models.CharField(max_length=32, default="pending")
    transaction_param = models.CharField(max_length=255, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
""",
    "orders/migrations/__init__.py": "",
    "orders/migrations/0001_initial.py": """\
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ("amount", models.DecimalField(max_digits=12, decimal_places=2)),
                ("status", models.CharField(max_length=32, default="pending")),
                ("transaction_param", models.CharField(max_length=255, db_index=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
        )
    ]
""",
    # `tool.py seed N` creates orders dcu-0…dcu-N-1; `tool.py check` prints what the run left.
    "tool.py": """\
import json
import os
import sys
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dcu_bench.settings")
import django

django.setup()
from click_uz.models import ClickWebhookLog
from orders.models import Order

if sys.argv[1] == "seed":
    orders = [Order(amount=Decimal(sys.argv[3]), transaction_param=f"dcu-{i}") for i in range(int(sys.argv[2]))]
    Order.objects.bulk_create(orders, batch_size=2000)
else:
    print(json.dumps({
        "paid": sorted(Order.objects.filter(status="paid").values_list("transaction_param", flat=True)),
        "logs": ClickWebhookLog.objects.count(),
        "logs_ok": ClickWebhookLog.objects.filter(error_code=0).count(),
    }))
""",
}


def theirs_python(given: str | None) -> str:
    """A Python ≥ 3.12 (django-click-uz 0.1.2 says Requires-Python >=3.12)."""
    if given:
        return given
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates = sorted(glob.glob(str(pyenv / "versions/3.1[2-9]*/bin/python3")))
    candidates += [shutil.which(name) or "" for name in ("python3.12", "python3.13")]
    check = "import sys, venv; sys.exit(sys.version_info < (3, 12))"
    for candidate in candidates:
        # A pyenv shim exists but fails when its version is not selected: run it to know.
        if candidate and subprocess.run([candidate, "-c", check], capture_output=True, check=False).returncode == 0:  # noqa: S603
            return candidate
    raise SystemExit("django-click-uz 0.1.2 needs Python ≥ 3.12: none found, give one with --theirs-python")


def theirs_venv_create(folder: Path, python: str) -> Path:
    """django-click-uz with our pinned Django, gunicorn, psycopg and redis, in folder/venv."""
    venv = folder / "venv"
    subprocess.run([python, "-m", "venv", str(venv)], check=True)  # noqa: S603
    ours = [f"{name}=={metadata.version(name)}" for name in ("Django", "gunicorn", "psycopg", "redis")]
    ours.append(f"psycopg-binary=={metadata.version('psycopg-binary')}")
    command = [str(venv / "bin/python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    done = subprocess.run([*command, THEIRS, *ours], capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode:  # pip's own warnings (about find-links folders, say) only when it failed
        raise SystemExit(f"pip install {THEIRS} failed:\n{done.stdout}{done.stderr}")
    return venv


def theirs_project_create(folder: Path) -> Path:
    project = folder / "project"
    for name, text in PROJECT_FILES.items():
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return project


# --- the load: the same client code for both servers ---------------------------------------------


def signed(fields: dict[str, str]) -> dict[str, str]:
    from clickuz.signing import sign_string

    fields = {
        "service_id": SERVICE_ID,
        "click_paydoc_id": "9990001",
        "error": "0",
        "error_note": "Success",
        "sign_time": datetime.now(ZoneInfo("Asia/Tashkent")).strftime("%Y-%m-%d %H:%M:%S"),
        **fields,
    }
    fields["sign_string"] = sign_string(
        click_trans_id=fields["click_trans_id"],
        service_id=SERVICE_ID,
        secret_key=SECRET,
        merchant_trans_id=fields["merchant_trans_id"],
        merchant_prepare_id=fields.get("merchant_prepare_id"),
        amount=fields["amount"],
        action=fields["action"],
        sign_time=fields["sign_time"],
    )
    return fields


def post(client: httpx.Client, path: str, fields: dict[str, str]) -> dict:
    """Click's answer, or {"error": "HTTP 500"}-like when there is no JSON answer."""
    try:
        response = client.post(path, data=signed(fields))
    except httpx.HTTPError as exc:
        return {"error": type(exc).__name__}
    try:
        return response.json()
    except ValueError:
        return {"error": f"HTTP {response.status_code}"}


class Load:
    """One server under the bench's clients: its trivial view, and signed Prepare+Complete pairs,
    each on a fresh order (merchant_trans_id, amount). Pairs sent during warm-up count for the
    invariants, not for the figures."""

    def __init__(self, url: str, paths: tuple[str, str], orders: list[tuple[str, str]], clients: int) -> None:
        self.url = url
        self.prepare_path, self.complete_path = paths
        self.queue = iter(orders)
        self.click_ids = itertools.count(7_000_000_001)
        self.lock = threading.Lock()
        self.clients = clients
        self.ping_rate = 0.0
        self.sent = 0  # callbacks sent (each reached the server or failed on the way)
        self.answers: dict[str, list[dict]] = {}
        self.good: list[str] = []  # every successful pair, warm-up included
        self.measured_good = 0
        self.measured_wall = 0.0
        self.failed: Counter[str] = Counter()  # measured pairs only
        self.warmup_failed: Counter[str] = Counter()
        self.pair_ms: list[float] = []
        self.exhausted = False

    @property
    def rate(self) -> float:
        return self.measured_good / self.measured_wall if self.measured_wall else 0.0

    def _hammer(self, seconds: float, step: Callable[[httpx.Client, int], bool]) -> tuple[int, float]:
        clients = [httpx.Client(base_url=self.url, timeout=60) for _ in range(self.clients)]
        try:
            ok, _refused, wall = hammer(clients, seconds, step)
        finally:
            for c in clients:
                c.close()
        return ok, wall

    def ping(self, seconds: float) -> None:
        ok, wall = self._hammer(seconds, lambda c, i: c.get("/bench/ping/").status_code == 200)
        self.ping_rate = ok / wall

    def pairs(self, seconds: float, *, measured: bool) -> None:
        failed = self.failed if measured else self.warmup_failed

        def pair(c: httpx.Client, i: int) -> bool:
            with self.lock:
                order = next(self.queue, None)
                click_trans_id = str(next(self.click_ids))
            if order is None:
                self.exhausted = True
                time.sleep(0.01)
                return False
            base = {"click_trans_id": click_trans_id, "merchant_trans_id": order[0], "amount": order[1]}
            t0 = time.perf_counter()
            prepared = post(c, self.prepare_path, {**base, "action": "0"})
            completed = {}
            if prepared.get("error") == 0:
                prepare_id = str(prepared.get("merchant_prepare_id"))
                completed = post(c, self.complete_path, {**base, "action": "1", "merchant_prepare_id": prepare_id})
            elapsed_ms = (time.perf_counter() - t0) * 1000
            with self.lock:
                self.sent += 2 if completed else 1
                self.answers[order[0]] = [prepared, completed, base]
                if prepared.get("error") != 0:
                    failed[f"Prepare {prepared.get('error')}"] += 1
                elif completed.get("error") != 0:
                    failed[f"Complete {completed.get('error')}"] += 1
                else:
                    self.good.append(order[0])
                    if measured:
                        self.pair_ms.append(elapsed_ms)
                    return True
            return False

        ok, wall = self._hammer(seconds, pair)
        if measured:
            self.measured_good += ok
            self.measured_wall += wall

    def complete_again(self, count: int = 50) -> list[tuple[dict, dict]]:
        """Click retries a Complete whose answer it lost: (first answer, answer to the retry) for `count` pairs."""
        retried = []
        with httpx.Client(base_url=self.url, timeout=60) as client:
            for mtid in self.good[:count]:
                prepared, completed, base = self.answers[mtid]
                fields = {**base, "action": "1", "merchant_prepare_id": str(prepared.get("merchant_prepare_id"))}
                retried.append((completed, post(client, self.complete_path, fields)))
                self.sent += 1
        return retried


def gunicorn(python: str, app: str, args: argparse.Namespace, env: dict[str, str], cwd: Path, log: Path) -> Server:
    port = free_port()
    command = [python, "-m", "gunicorn", app, "-b", f"127.0.0.1:{port}", "-w", str(args.workers)]
    command += ["-k", "sync" if args.threads == 1 else "gthread", "--threads", str(args.threads)]
    return Server([*command, "--log-level", "warning"], env, port, cwd=cwd, log=log)


def log_summary(log: Path) -> str:
    """The server's error output in one line: how many lines, and the first error message."""
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    if not lines:
        return "nothing"
    errors = [line for line in lines if "ERROR" in line or "Error" in line]
    first = (errors or lines)[0]
    with contextlib.suppress(ValueError, AttributeError):  # our logs are JSON lines
        first = json.loads(first).get("message", first)
    return f"{len(lines)} lines, {len(errors)} with an error; first: {first[:160]}"


# --- one database kind ---------------------------------------------------------------------------


def run_one(args: argparse.Namespace, kind: str, venv: Path, folder: Path) -> int:
    redis_url = os.environ["REDIS_URL"]
    if kind == "postgres":
        ours_url = f"{args.server}/{args.database}"
        database_recreate(args.server, args.database)
        database_recreate(args.server, f"{args.database}_dcu")
    else:
        ours_url = f"sqlite:///{folder / 'ours.sqlite3'}"
    env = bench_env(
        ours_url,
        # Production settings: DEBUG off, Redis for the cache, the channel layer and Celery's broker.
        DEBUG="0",
        SECRET_KEY="bench-only-" + "x" * 50,
        SITE_URL="https://bench.invalid",
        SMS_BACKEND="notifications.sms.EskizSmsBackend",
        ESKIZ_EMAIL="bench@bench.invalid",
        ESKIZ_PASSWORD="bench",  # noqa: S106 (never used: no Celery worker runs)
        CELERY_BROKER_URL=redis_url,
        CELERY_TASK_ALWAYS_EAGER="0",
        CLICK_SANDBOX="0",
        CLICK_SECRET_KEY=SECRET,
        CLICK_SERVICE_ID=SERVICE_ID,
        CLICK_MERCHANT_ID=MERCHANT_ID,
    )
    os.environ.update(env)
    migrate(env)

    import django

    django.setup()
    from django.conf import settings
    from django.db import connections

    from auctions.models import Auction, AuctionEvent
    from clickuz.models import ClickCallback
    from fees.models import AuctionPayment, PaymentAttempt, PaymentStatus
    from fees.services import fee_initiate

    # Theirs: our database settings (engine, options, persistent connections), another name.
    ours_db = settings.DATABASES["default"]
    keys = ("ENGINE", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS")
    theirs_db = {key: ours_db[key] for key in keys if key in ours_db}
    theirs_db["CONN_MAX_AGE"] = ours_db.get("CONN_MAX_AGE", 0)
    theirs_db["NAME"] = f"{args.database}_dcu" if kind == "postgres" else str(folder / "theirs.sqlite3")
    project = theirs_project_create(folder)
    python = str(venv / "bin/python")
    theirs_env = {
        **os.environ,
        "DCU_DATABASE": json.dumps(theirs_db),
        "DJANGO_SETTINGS_MODULE": "dcu_bench.settings",
        "CLICK_SERVICE_ID": SERVICE_ID,
        "CLICK_MERCHANT_ID": MERCHANT_ID,
        "CLICK_SECRET_KEY": SECRET,
    }
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=project, env=theirs_env, check=True)  # noqa: S603
    seed = [python, "tool.py", "seed", str(args.orders), THEIRS_AMOUNT]
    subprocess.run(seed, cwd=project, env=theirs_env, check=True)  # noqa: S603

    started = time.monotonic()
    payments = []
    for i in range(args.payments):
        auction = hot_auction_create(title=f"Click {i}", paid=False)
        payments.append(fee_initiate(auction_id=auction.pk, user=auction.seller))
    print(f"  ({len(payments)} unpaid auctions with a payment each, created in {time.monotonic() - started:.0f} s)")
    connections.close_all()

    # Both servers run side by side (an idle sync worker costs nothing); the phases alternate, ours
    # first then theirs, then theirs first, so a change of the machine's load falls on both alike.
    logs = {"ours": folder / "ours.log", "django-click-uz": folder / "theirs.log"}
    servers = [gunicorn(sys.executable, "bench.wsgi", args, env, ROOT, logs["ours"])]
    try:
        servers.append(gunicorn(python, "dcu_bench.wsgi", args, theirs_env, project, logs["django-click-uz"]))
        ours_orders = [(p.merchant_trans_id, f"{p.amount:.2f}") for p in payments]
        ours = Load(servers[0].url, OURS_PATHS, ours_orders, args.clients)
        theirs_orders = [(f"dcu-{i}", THEIRS_AMOUNT) for i in range(args.orders)]
        theirs = Load(servers[1].url, THEIRS_PATHS, theirs_orders, args.clients)
        # The floor: a view of our server that only locks one payment row and writes it. No
        # callback that changes a payment under a lock can beat it on this server.
        floor = Load(servers[0].url, (FLOOR_PATH, FLOOR_PATH), ours_orders * 50, args.clients)
        for load in (ours, theirs, floor):  # every worker opens its connections (database, Redis) first
            load.pairs(args.warmup, measured=False)
        for load in (ours, theirs):
            load.ping(args.seconds)
        for round_ in range(args.rounds):
            for load in (ours, theirs, floor) if round_ % 2 == 0 else (floor, theirs, ours):
                load.pairs(args.seconds / args.rounds, measured=True)
        ours_retries = ours.complete_again()
        theirs_retries = theirs.complete_again()

    finally:
        for server in servers:
            server.stop()

    used = ours.good
    retry_same = all(
        (again.get("error"), again.get("merchant_confirm_id")) == (0, first["merchant_confirm_id"])
        for first, again in ours_retries
    )
    paid_events = AuctionEvent.objects.filter(kind=AuctionEvent.Kind.PAID)
    checks = {
        "ours: every pair answered 0 (no Click error)": not ours.failed and not ours.warmup_failed,
        "ours: completed payments = successful pairs": sorted(
            AuctionPayment.objects.filter(status=PaymentStatus.COMPLETED).values_list("merchant_trans_id", flat=True)
        )
        == sorted(used),
        "ours: paid auctions = successful pairs": Auction.objects.filter(is_paid=True).count() == len(used),
        "ours: one `paid` event per paid auction": paid_events.count() == len(used)
        and paid_events.values("auction").distinct().count() == len(used),
        "ours: one completed Click transaction per pair": PaymentAttempt.objects.filter(status="completed").count()
        == len(used),
        "ours: retried Completes: same answer, nothing changed": retry_same
        and AuctionPayment.objects.filter(status=PaymentStatus.COMPLETED).count() == len(used),
        "ours: every callback logged with our answer": ClickCallback.objects.filter(error__isnull=True).count() == 0
        and ClickCallback.objects.count() == ours.sent,
    }
    left = json.loads(
        subprocess.run(  # noqa: S603
            [python, "tool.py", "check"], cwd=project, env=theirs_env, check=True, capture_output=True, text=True
        ).stdout
    )
    checks |= {
        "theirs: every pair answered 0": not theirs.failed and not theirs.warmup_failed,
        "theirs: paid orders = successful pairs": left["paid"] == sorted(theirs.good),
        "theirs: one audit row per callback": left["logs"] == theirs.sent,
        # A server that runs out of fresh orders idles: its rate would be understated.
        "both: fresh orders for the whole run (else raise --payments / --orders)": not ours.exhausted
        and not theirs.exhausted,
    }
    theirs_retry_codes = Counter(str(again.get("error")) for _first, again in theirs_retries)

    label = {"postgres": "PostgreSQL", "sqlite": "SQLite"}[kind]
    workers = f"{args.workers} sync workers" if args.threads == 1 else f"{args.workers}×{args.threads} threads"
    print(
        f"bench/click.py — {label}, gunicorn {workers} (both), {args.clients} clients, {args.seconds:.0f} s of pairs"
        f" per server in {args.rounds} alternating rounds after {args.warmup:.0f} s warm-up, DEBUG=0,"
        " Redis cache+broker (no Celery worker)"
    )
    print(
        f"  ours on Python {sys.version.split()[0]}; {THEIRS} on Python"
        f" {subprocess.check_output([python, '-c', 'import sys; print(sys.version.split()[0])'], text=True).strip()}"  # noqa: S603
    )
    for name, run in (("ours", ours), ("django-click-uz", theirs)):
        figures = percentiles(run.pair_ms)
        failed = run.failed.total()
        detail = ", ".join(f"{reason}: {n}" for reason, n in run.failed.most_common()) or "none"
        print(f"  {name:<16} trivial view     : {run.ping_rate:8.1f} req/s")
        print(
            f"  {name:<16} Prepare+Complete : {run.rate:8.1f} good pairs/s ({run.measured_good} good pairs,"
            f" {2 * run.rate:.1f} callbacks/s); failed pairs {failed} ({detail})"
        )
        print(
            f"  {name:<16} good pair latency: p50 {figures['p50']:.1f} ms, p95 {figures['p95']:.1f} ms,"
            f" max {figures['max']:.1f} ms"
        )
        print(f"  {name:<16} server's output : {log_summary(logs[name])}")
        if run.warmup_failed:
            print(f"  ({name}: failed pairs during the warm-up: {dict(run.warmup_failed)})")
    ratio = ours.rate / theirs.rate if theirs.rate else float("inf")
    per_callback = ours.ping_rate / (2 * ours.rate) if ours.rate else float("inf")
    print(f"  ours / django-click-uz            : {ratio:.2f}× (good pairs/s)")
    print(
        f"  floor (lock+write one row, 2/pair): {floor.rate:8.1f} pairs/s on our server ="
        f" {floor.rate / theirs.rate if theirs.rate else float('inf'):.2f}× django-click-uz"
        f" (3× would be {3 * theirs.rate:.1f} pairs/s)"
    )
    print(f"  one callback of ours costs        : {per_callback:.1f} trivial views of our server")
    print(f"  (django-click-uz answers a retried Complete with error {dict(theirs_retry_codes)})")
    for name, passed in checks.items():
        print(f"  [{'ok' if passed else 'FAIL'}] {name}")

    connections.close_all()
    if kind == "postgres" and not args.keep:
        database_recreate(args.server, args.database, drop_only=True)
        database_recreate(args.server, f"{args.database}_dcu", drop_only=True)
    import redis

    redis.Redis.from_url(redis_url).flushdb()  # the Celery messages nobody consumed
    return 0 if all(checks.values()) else 1


def main() -> int:
    args = parse()
    if "REDIS_URL" not in os.environ:
        raise SystemExit("set REDIS_URL to a Redis database of your own (it is flushed at the end)")
    with tempfile.TemporaryDirectory(prefix="bench-click-") as tmp:
        folder = Path(tmp)
        venv = Path(args.theirs_venv) if args.theirs_venv else None
        if venv is None:
            started = time.monotonic()
            venv = theirs_venv_create(folder, theirs_python(args.theirs_python))
            print(f"  ({THEIRS} installed in a throwaway virtualenv in {time.monotonic() - started:.0f} s)")
        if args.db != "both":
            return run_one(args, args.db, venv, folder)
        # One process per database kind: Django is set up once per process.
        status = 0
        for kind in ("postgres", "sqlite"):
            # The last --db and --theirs-venv win (argparse), so the user's own are overridden.
            command = [sys.executable, __file__, *sys.argv[1:], "--db", kind, "--theirs-venv", str(venv)]
            status |= subprocess.run(command, check=False).returncode  # noqa: S603
            print()
        return status


if __name__ == "__main__":
    sys.exit(main())
