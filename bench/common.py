"""Shared pieces of the bench/ scripts: databases, server processes, seeding, figures.

Every benchmark prints its figures next to the trivial view `/bench/ping/`
(bench/urls.py) measured in the same run on the same server process.
"""

import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BENCH_PASSWORD = "bench-password-1"  # noqa: S105 (throwaway users in a throwaway database)
START = 800_000_000
STEP = 1_000_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_recreate(server: str, name: str, *, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def bench_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of the benchmark's server process and of the script itself."""
    env = {
        **os.environ,
        "DEBUG": "1",
        "SECRET_KEY": "bench-only",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DATABASE_URL": database_url,
        "CONN_MAX_AGE": "60",
        "FAST_PASSWORD_HASHER": "1",
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "SMS_BACKEND": "core.sms.LocmemSmsBackend",
        "EMAIL_URL": "memorymail://",
        "LOG_LEVEL": "ERROR",
        "SECURE_SSL_REDIRECT": "0",
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "CLICK_SERVICE_ID": "12345",
        "CLICK_SECRET_KEY": "bench-click-secret",
        "CLICK_MERCHANT_ID": "23456",
        "CLICK_MERCHANT_USER_ID": "34567",
        **extra,
    }
    env.pop("CELERY_BROKER_URL", None)
    return env


def production_env(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    """bench_env with the production settings: DEBUG off, Redis for the cache, the channel layer and
    Celery's broker (nothing consumes it: tasks are published as in production), persistent database
    connections as the settings choose for the server (none under ASGI)."""
    env = bench_env(
        database_url,
        DEBUG="0",
        SECRET_KEY="bench-only-" + "x" * 50,
        SITE_URL="https://bench.invalid",
        REDIS_URL=redis_url,
        CELERY_BROKER_URL=redis_url,
        CELERY_TASK_ALWAYS_EAGER="0",
        CLICK_SANDBOX="0",
        SMS_BACKEND="core.sms.EskizSmsBackend",
        ESKIZ_EMAIL="bench@bench.invalid",
        ESKIZ_PASSWORD="bench",  # noqa: S106 (never used: no Celery worker runs, nothing is sent)
        **extra,
    )
    env["CELERY_BROKER_URL"] = redis_url  # (bench_env drops the caller's)
    if "CONN_MAX_AGE" not in extra:
        env.pop("CONN_MAX_AGE")
    return env


def bids_setup(server: str, database: str, **extra: str) -> dict[str, str] | None:
    """For the bid benchmarks (bids.py, bid_cpu.py): production_env with REDIS_URL from the
    environment (None, after saying so, without it), the API throttles on (their cost is part of
    a bid) with rates no bidder here reaches; then a fresh database, migrated, and Django set up."""
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        print("REDIS_URL is not set: production settings use Redis (cache, channel layer, broker); set it.")
        return None
    env = production_env(
        f"{server}/{database}", redis_url, API_THROTTLE_BIDS="1000000/m", API_THROTTLE_USER="1000000/m", **extra
    )
    os.environ.update(env)
    database_recreate(server, database)
    migrate(env)
    import django

    django.setup()
    return env


def migrate(env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)


class Server:
    """A server process (gunicorn, uvicorn…) in its own process group, waited for on /bench/ping/,
    then until its processes are idle: the first worker answers while the others still boot and
    warm (deploy/gunicorn.conf.py's post_worker_init), and their CPU would land in the first figures."""

    def __init__(
        self, command: Sequence[str], env: dict[str, str], port: int, *, cwd: Path = ROOT, log: Path | None = None
    ) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = log  # the server's output goes there instead of the terminal
        output = log.open("ab") if log else None
        self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            list(command), cwd=cwd, env=env, start_new_session=True, stdout=output, stderr=output
        )
        if output:
            output.close()  # the child has its own copy
        for _ in range(300):
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}")
            try:
                if httpx.get(f"{self.url}/bench/ping/", timeout=1).status_code == 200:
                    self.settle()
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("server did not start")

    def cpu_seconds(self) -> float:
        """The CPU time used so far by every process of the server's process group, and by those of
        its children that have exited (Linux /proc)."""
        ticks = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:  # the process has gone
                continue
            if int(fields[2]) == self.process.pid:  # field 5 of stat, the process group
                # utime, stime, and cutime, cstime: the workers it has reaped (max_requests recycles them)
                ticks += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
        return ticks / os.sysconf("SC_CLK_TCK")

    def settle(self, *, idle_share: float = 0.05, timeout: float = 60.0) -> None:
        """Wait until the server's processes together use less than `idle_share` of a core over
        half a second (or `timeout` has passed)."""
        deadline = time.monotonic() + timeout
        used = self.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(0.5)
            now = self.cpu_seconds()
            if now - used < idle_share * 0.5:
                return
            used = now

    @classmethod
    def gunicorn(cls, env: dict[str, str], *, workers: int, threads: int, app: str = "bench.wsgi") -> "Server":
        port = free_port()
        command = [sys.executable, "-m", "gunicorn", app, "-b", f"127.0.0.1:{port}", "-w", str(workers)]
        command += ["--threads", str(threads), "--log-level", "warning"]
        return cls(command, env, port)

    @classmethod
    def production(
        cls, env: dict[str, str], *, app: str = "wsgi", workers: int | None = None, log: Path | None = None
    ) -> "Server":
        """The production server as deployed: gunicorn with deploy/gunicorn.conf.py, on a free port
        (no access log, as deployed). `app` "wsgi" is the web service (pages, API, Click and Payme: gthread workers,
        kept database connections), "asgi" the WebSocket service (uvicorn workers); the config picks
        the worker class from the app. `workers` overrides the config's count."""
        if app not in ("wsgi", "asgi"):
            raise ValueError(f"app is 'wsgi' or 'asgi', not {app!r}")
        port = free_port()
        env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
        env.pop("GUNICORN_ACCESS_LOG", None)  # none, as deployed (nginx logs the requests)
        env.setdefault("GUNICORN_LOG_LEVEL", "warning")
        if workers:
            env["GUNICORN_WORKERS" if app == "wsgi" else "GUNICORN_WS_WORKERS"] = str(workers)
        config = ROOT / "deploy" / "gunicorn.conf.py"
        command = [sys.executable, "-m", "gunicorn", "-c", str(config), f"config.{app}:application"]
        return cls(command, env, port, log=log)

    @classmethod
    def daphne(cls, env: dict[str, str]) -> "Server":
        """One daphne process serving config.asgi (HTTP and WebSockets), access log off."""
        port = free_port()
        command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "--access-log", os.devnull]
        return cls([*command, "config.asgi:application"], env, port)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def listing_create(seller: Any, title: str) -> Any:
    """A published listing in Yunusabad, priced like the test fixtures."""
    from decimal import Decimal

    from listings.geo import geo_ensure
    from listings.models import District, Listing, ListingStatus
    from listings.services import listing_prices

    geo_ensure()
    listing = Listing(
        seller=seller,
        title=title,
        district=District.objects.get(name_ru="Юнусабадский район"),
        address="ул. Тестовая, 1",
        rooms=2,
        area=Decimal("60"),
        floor=2,
        floors_total=9,
        price=Decimal("800000000"),
        status=ListingStatus.PUBLISHED,
    )
    listing.price_uzs, listing.price_per_m2_uzs = listing_prices(
        price=Decimal(listing.price), currency=listing.currency, area=Decimal(listing.area)
    )
    listing.save()
    return listing


def seller_get() -> Any:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    User = get_user_model()
    seller = User.objects.filter(phone="+998900000100").first()
    return seller or User.objects.create_user(
        phone="+998900000100", password=BENCH_PASSWORD, first_name="Продавец", phone_verified_at=timezone.now()
    )


def hot_auction_create(*, title: str = "Бенчмарк", paid: bool = True) -> Any:
    """An auction that started a minute ago and runs for a day; its fee paid offline unless `paid` is False."""
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from auctions.lifecycle import auction_create
    from fees.demo import fee_pay_offline
    from fees.services import fee_initiate

    seller = seller_get()
    now = timezone.now()
    auction = auction_create(
        seller=seller,
        listing=listing_create(seller, title),
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(days=1),
        starting_price=Decimal(START),
        bid_step=Decimal(STEP),
    )
    if paid:
        fee_pay_offline(fee_initiate(auction_id=auction.pk, user=seller))
    return auction


def buyers_create(count: int) -> tuple[list[Any], list[str]]:
    """`count` buyers and a signed-in session cookie for each."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    User = get_user_model()
    buyers, cookies = [], []
    for i in range(count):
        buyer = User.objects.create_user(
            phone=f"+9989010{i:05d}", password=BENCH_PASSWORD, first_name=f"Б{i}", phone_verified_at=timezone.now()
        )
        client = Client()
        client.force_login(buyer)
        buyers.append(buyer)
        cookies.append(client.cookies["sessionid"].value)
    return buyers, cookies


class CpuMeter:
    """The CPU time used by a set of processes while it runs, sampled from /proc every `every`
    seconds in a thread, so processes that exit meanwhile (gunicorn's max_requests recycles
    workers, and their PostgreSQL backends go with them) still count up to their last sample.
    `groups`: {name: predicate(pid, command line words, stat fields)}; `used()` → {name: seconds}.
    The sampling thread's own CPU is not counted in this process's figure."""

    def __init__(self, groups: dict[str, Callable[[int, list[bytes], list[str]], bool]], every: float = 0.5) -> None:
        self.groups = groups
        self.every = every
        self.first: dict[tuple[str, int], int] = {}
        self.last: dict[tuple[str, int], int] = {}
        self.stop = threading.Event()
        self.own = 0.0  # the sampling thread's CPU seconds
        self.sample(start=True)
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def sample(self, *, start: bool = False) -> None:
        for proc in Path("/proc").glob("[0-9]*"):
            try:
                words = (proc / "cmdline").read_bytes().rstrip(b"\0 ").replace(b"\0", b" ").split(b" ")
                fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # the process has gone
                continue
            pid = int(proc.name)
            for name, belongs in self.groups.items():
                if belongs(pid, words, fields):
                    ticks = int(fields[11]) + int(fields[12])  # utime, stime
                    self.last[name, pid] = ticks
                    self.first.setdefault((name, pid), ticks if start else 0)

    def run(self) -> None:
        while not self.stop.wait(self.every):
            self.sample()
        self.own = time.thread_time()

    def used(self) -> dict[str, float]:
        self.stop.set()
        self.thread.join()
        self.sample()
        totals = dict.fromkeys(self.groups, 0)
        for (name, pid), ticks in self.last.items():
            totals[name] += ticks - self.first[name, pid]
        seconds = {name: ticks / os.sysconf("SC_CLK_TCK") for name, ticks in totals.items()}
        for name in self.groups:
            if (name, os.getpid()) in self.last:
                seconds[name] -= self.own
        return seconds


def in_process_group(leader: int) -> Callable[[int, list[bytes], list[str]], bool]:
    """CpuMeter's test for the processes of `leader`'s process group (a Server's)."""
    return lambda pid, words, fields: int(fields[2]) == leader


def serving_database(database: str) -> Callable[[int, list[bytes], list[str]], bool]:
    """CpuMeter's test for the PostgreSQL backends serving `database` (a backend's command line
    names its user and database: "postgres: 15/main: postgres kb_bench_bids 127.0.0.1(5432) idle")."""
    name = database.encode()
    return lambda pid, words, fields: words[0] == b"postgres:" and name in words[1:4]


def this_process() -> Callable[[int, list[bytes], list[str]], bool]:
    """CpuMeter's test for this process (the benchmark's clients)."""
    me = os.getpid()
    return lambda pid, words, fields: pid == me


def hammer(clients: Sequence[Any], seconds: float, step: Callable[[Any, int], bool]) -> tuple[int, int, float]:
    """Run step(client, index) in a loop on every client for `seconds`; returns (ok, refused, wall)."""
    ok = [0] * len(clients)
    refused = [0] * len(clients)
    barrier = threading.Barrier(len(clients) + 1)
    deadline = [0.0]

    def run(index: int) -> None:
        from django.db import connection

        barrier.wait()
        try:
            while time.monotonic() < deadline[0]:
                if step(clients[index], index):
                    ok[index] += 1
                else:
                    refused[index] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    deadline[0] = time.monotonic() + seconds
    started = time.monotonic()
    barrier.wait()
    for thread in threads:
        thread.join()
    return sum(ok), sum(refused), time.monotonic() - started


def ping_rate(base: str, clients: int, seconds: float) -> float:
    """Requests/s of the trivial view with `clients` concurrent keep-alive clients."""
    pool = [httpx.Client(base_url=base, timeout=30) for _ in range(clients)]
    try:
        ok, _refused, wall = hammer(pool, seconds, lambda c, i: c.get("/bench/ping/").status_code == 200)
    finally:
        for c in pool:
            c.close()
    return ok / wall


def percentiles(values: Sequence[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {"min": 0.0, "p50": 0.0, "p95": 0.0, "max": 0.0}
    return {
        "min": ordered[0],
        "p50": statistics.median(ordered),
        "p95": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
        "max": ordered[-1],
    }
