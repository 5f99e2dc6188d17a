"""Smoke test of the production server set-up: gunicorn with the uvicorn worker
(deploy/gunicorn.conf.py) serving config.asgi with production settings (DEBUG
off), on a free port, against the test database and Redis.

Pages and /healthz answer, the security headers (CSP, HSTS) are on, plain HTTP
is sent to HTTPS, the client address comes from X-Forwarded-For of the trusted
proxy only, and a WebSocket to an auction page's socket gets the state and then
the update of a bid placed in another process (Redis channel layer)."""

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.db import connection
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from auctions.bidding import bid_place
from clickuz.models import ClickCallback
from paymeuz.protocol import authorization_header

pytestmark = [pytest.mark.server, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent
PROXY = {"X-Forwarded-Proto": "https"}  # what nginx adds; the server trusts it from 127.0.0.1
PAYME_KEY = "smoke-payme-key&%#?@"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _database_url() -> str:
    db = connection.settings_dict  # the test database
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _server_env(tmp_path, port: int) -> dict[str, str]:
    """Production settings for a gunicorn started with deploy/gunicorn.conf.py on `port`."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/root"),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,kvartirabar.uz",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "CLICK_SERVICE_ID": "12345",
        "CLICK_MERCHANT_ID": "23456",
        "CLICK_MERCHANT_USER_ID": "34567",
        "CLICK_SECRET_KEY": "smoke-test-secret",
        "CLICK_SANDBOX": "0",
        "CLICK_MERCHANT_API_URL": "",
        "PAYME_MERCHANT_ID": "5e730e8e0b852a417aa49ceb",
        "PAYME_KEY": PAYME_KEY,
        "SITE_URL": "https://127.0.0.1",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "LOG_LEVEL": "WARNING",
        # Production refuses a console or in-memory SMS backend; this Eskiz points at a closed local port.
        "SMS_BACKEND": "core.sms.EskizSmsBackend",
        "ESKIZ_EMAIL": "smoke@kvartirabar.uz",
        "ESKIZ_PASSWORD": "smoke",
        "ESKIZ_BASE_URL": "http://127.0.0.1:9/api",
        "EMAIL_URL": "memorymail://",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_ACCESS_LOG": str(tmp_path / "access.log"),
    }


@pytest.fixture
def server(tmp_path) -> Iterator[str]:
    if not settings.REDIS_URL:
        pytest.skip("the production server needs Redis (cache and channel layer)")
    port = _free_port()
    env = _server_env(tmp_path, port)
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "config.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # wait for the worker to boot (up to ~30 s on a busy machine)
            if process.poll() is not None:
                break
            try:
                httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        if process.poll() is not None:
            pytest.fail("gunicorn exited:\n" + (tmp_path / "gunicorn.log").read_text())
        yield base
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


def test_gunicorn_with_uvicorn_workers_serves_pages_health_and_websockets(server, paid_auction, buyer):
    # The health endpoint: no HTTPS redirect, database and cache checked.
    health = httpx.get(f"{server}/healthz", timeout=10)
    assert health.status_code == 200 and health.json()["status"] == "ok"

    # Plain HTTP (no X-Forwarded-Proto from nginx) goes to HTTPS.
    plain = httpx.get(f"{server}/", timeout=10)
    assert plain.status_code == 301 and plain.headers["Location"].startswith("https://127.0.0.1")

    # Through the proxy: the home page with the production headers.
    home = httpx.get(f"{server}/", headers=PROXY, timeout=10)
    assert home.status_code == 200 and "kvartirabar" in home.text
    assert "script-src 'self'" in home.headers["Content-Security-Policy"]
    assert "wss://127.0.0.1" in home.headers["Content-Security-Policy"]
    assert home.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    cookies = home.headers.get_list("set-cookie")
    assert all("Secure" in cookie for cookie in cookies)
    page = httpx.get(f"{server}{paid_auction.get_absolute_url()}", headers=PROXY, timeout=10)
    assert page.status_code == 200 and f'data-auction-live="/ws/auctions/{paid_auction.pk}/"' in page.text

    # Click's callback is never redirected, and its log records the visitor's address that nginx
    # passed (X-Forwarded-For from 127.0.0.1), while a forged one would come from elsewhere.
    answer = httpx.post(
        f"{server}/api/auctions/click/prepare/", data={}, headers={"X-Forwarded-For": "203.0.113.7"}, timeout=10
    )
    assert answer.status_code == 200 and answer.json()["error"] == -8
    assert ClickCallback.objects.order_by("-id").first().remote_addr == "203.0.113.7"

    # The live socket: the state at once, then the bid placed here, pushed through Redis.
    url = server.replace("http://", "ws://") + f"/ws/auctions/{paid_auction.pk}/"
    with connect(url, additional_headers={"Origin": "https://127.0.0.1"}, open_timeout=10) as socket_:
        first = json.loads(socket_.recv(timeout=10))
        assert first["type"] == "state" and first["auction_id"] == paid_auction.pk and first["bid_count"] == 0
        # The client offered permessage-deflate (as browsers do); the server declines it
        # (config.workers.WebSocketWorker: no per-watcher compression of each broadcast).
        assert "permessage-deflate" in socket_.request.headers["Sec-WebSocket-Extensions"]
        assert "Sec-WebSocket-Extensions" not in socket_.response.headers
        bid_place(auction_id=paid_auction.pk, bidder=buyer, amount=paid_auction.starting_price)
        update = json.loads(socket_.recv(timeout=10))
        assert update["type"] == "state" and update["bid_count"] == 1
        assert update["current_price"] == str(int(paid_auction.starting_price))

    # A socket from a foreign page (Origin not in ALLOWED_HOSTS) is refused at the handshake.
    with pytest.raises(InvalidStatus) as refused:
        connect(url, additional_headers={"Origin": "https://evil.example"}, open_timeout=10).close()
    assert refused.value.response.status_code == 403


def test_gunicorn_serves_the_wsgi_app_on_gthread_workers_with_kept_connections(tmp_path, paid_auction):
    """The web service (config.wsgi, deploy/systemd/kvartirabar-web.service) gets gthread workers
    from the same deploy/gunicorn.conf.py, and keeps its PostgreSQL connection across requests:
    three requests that use the database, one backend."""
    if not settings.REDIS_URL:
        pytest.skip("the production server needs Redis (cache and channel layer)")
    port = _free_port()
    env = _server_env(tmp_path, port) | {"GUNICORN_THREADS": "1"}  # one thread: one connection to count
    with (tmp_path / "gunicorn.log").open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi:application"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                if process.poll() is not None:
                    pytest.fail("gunicorn exited:\n" + (tmp_path / "gunicorn.log").read_text())
                with contextlib.suppress(httpx.HTTPError):
                    httpx.get(f"{base}/healthz", timeout=2)
                    break
                time.sleep(0.1)
            backends = set()
            for _ in range(3):
                health = httpx.get(f"{base}/healthz", timeout=10)
                assert health.status_code == 200 and health.json()["status"] == "ok"
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                        " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
                    )
                    backends |= {row[0] for row in cursor.fetchall()}
            page = httpx.get(f"{base}{paid_auction.get_absolute_url()}", headers=PROXY, timeout=10)
            assert page.status_code == 200 and "script-src 'self'" in page.headers["Content-Security-Policy"]
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
    assert "Using worker: gthread" in (tmp_path / "gunicorn.log").read_text()
    assert len(backends) == 1, backends


# --- nginx in front (deploy/nginx/kvartirabar.conf, as shipped but for ports and paths) ---


def _nginx_config(tmp: Path, *, app: str, http_port: int, https_port: int) -> Path:
    """The shipped site config with this test's ports, a self-signed certificate and temp paths."""
    subprocess.run(  # noqa: S603 - a fixed command line
        ["/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=kvartirabar.uz", "-addext", "subjectAltName=DNS:kvartirabar.uz,IP:127.0.0.1",
         "-keyout", str(tmp / "key.pem"), "-out", str(tmp / "cert.pem")],
        check=True,
        capture_output=True,
    )  # fmt: skip
    (tmp / "media").mkdir(exist_ok=True)
    site = (ROOT / "deploy" / "nginx" / "kvartirabar.conf").read_text()
    for old, new in {
        "    listen [::]:80;\n": "",
        "    listen [::]:443 ssl http2;\n": "",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "server_name kvartirabar.uz;": "server_name kvartirabar.uz 127.0.0.1;",
        "/etc/letsencrypt/live/kvartirabar.uz/fullchain.pem": str(tmp / "cert.pem"),
        "/etc/letsencrypt/live/kvartirabar.uz/privkey.pem": str(tmp / "key.pem"),
        "server 127.0.0.1:8001": f"server {app}",
        # The WebSockets' service (config.asgi): the test's one ASGI server answers both.
        "server 127.0.0.1:8002": f"server {app}",
        "/srv/kvartirabar/staticfiles/": f"{ROOT / 'static'}/",
        "/srv/kvartirabar/media/": f"{tmp / 'media'}/",
        "/var/log/nginx/": f"{tmp}/",
        "/var/www/letsencrypt": str(tmp),
        "ssl_stapling on;": "ssl_stapling off;",
        "ssl_stapling_verify on;": "ssl_stapling_verify off;",
    }.items():
        assert old in site, old
        site = site.replace(old, new)
    temp = {name: tmp / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    # Started as root, nginx's workers would read the files as nobody: a checkout in a private
    # folder (mktemp -d is 0700) would answer 403 for every static file. Here they read as we do.
    user = "user root;" if os.geteuid() == 0 else ""
    main = f"""
{user}
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
{site}
}}
"""
    path = tmp / "nginx.conf"
    path.write_text(main)
    return path


@contextlib.contextmanager
def _nginx_running(tmp_path: Path, *, app: str) -> Iterator[tuple[str, str]]:
    """The shipped site in a real nginx in front of `app` (host:port): its http and https addresses."""
    binary = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if binary is None or not Path("/usr/bin/openssl").exists():
        pytest.skip("nginx or openssl is not installed (apt-get install nginx openssl)")
    folder = tmp_path / "nginx"
    folder.mkdir()
    http_port, https_port = _free_port(), _free_port()
    config = _nginx_config(folder, app=app, http_port=http_port, https_port=https_port)
    check = subprocess.run([binary, "-t", "-c", str(config)], capture_output=True, text=True)  # noqa: S603
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen([binary, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{http_port}", f"https://127.0.0.1:{https_port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def nginx(server, tmp_path) -> Iterator[tuple[str, str]]:
    with _nginx_running(tmp_path, app=server.removeprefix("http://")) as addresses:
        yield addresses


@pytest.fixture
def nginx_without_app(tmp_path) -> Iterator[tuple[str, str]]:
    """The shipped site in front of an app that is down (nothing listens on its port)."""
    with _nginx_running(tmp_path, app=f"127.0.0.1:{_free_port()}") as addresses:
        yield addresses


def test_nginx_config_terminates_tls_and_proxies_pages_static_and_websockets(nginx, paid_auction, buyer):
    http, https = nginx
    # Plain HTTP → HTTPS on the canonical host.
    plain = httpx.get(f"{http}/listings/", timeout=10)
    assert plain.status_code == 301 and plain.headers["Location"] == "https://kvartirabar.uz/listings/"
    with httpx.Client(base_url=https, verify=False, timeout=10) as client:  # noqa: S501 - self-signed, local
        home = client.get("/")
        assert home.status_code == 200 and "kvartirabar" in home.text
        [hsts] = home.headers.get_list("Strict-Transport-Security")  # once: from Django
        assert hsts.startswith("max-age=31536000")
        assert "script-src 'self'" in home.headers["Content-Security-Policy"]
        # Django saw HTTPS (X-Forwarded-Proto from nginx): secure cookies, no redirect loop.
        assert all("Secure" in cookie for cookie in home.headers.get_list("set-cookie"))
        # Static files come from nginx itself.
        css = client.get("/static/css/site.css")
        assert css.status_code == 200 and css.headers["Cache-Control"] == "max-age=604800, public"
        assert css.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert client.get("/healthz").json()["status"] == "ok"
        # Click's callback through nginx: answered, never redirected.
        answer = client.post("/api/auctions/click/prepare/", data={})
        assert answer.status_code == 200 and answer.json()["error"] == -8
        # Payme's endpoint through nginx, as Payme calls it (text/json, Basic auth), with and
        # without the trailing slash: HTTP 200 and JSON-RPC, never a redirect.
        rpc = b'{"method":"CheckTransaction","params":{"id":"000000000000000000000000"},"id":7}'
        payme_headers = {"Content-Type": "text/json; charset=UTF-8", "Authorization": authorization_header(PAYME_KEY)}
        for path in ("/api/auctions/payme/", "/api/auctions/payme"):
            payme = client.post(path, content=rpc, headers=payme_headers)
            assert payme.status_code == 200 and payme.headers["Content-Type"] == "application/json; charset=UTF-8"
            assert payme.json() == {"jsonrpc": "2.0", "id": 7, "error": payme.json()["error"]}
            assert payme.json()["error"]["code"] == -31003
        refused = client.post("/api/auctions/payme/", content=rpc, headers={"Content-Type": "text/json"})
        assert refused.status_code == 200 and refused.json()["error"]["code"] == -32504
    # The live socket through nginx's WebSocket upgrade, over TLS.
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    url = https.replace("https://", "wss://") + f"/ws/auctions/{paid_auction.pk}/"
    with connect(url, ssl=context, additional_headers={"Origin": "https://kvartirabar.uz"}, open_timeout=10) as ws:
        assert json.loads(ws.recv(timeout=10))["bid_count"] == 0
        bid_place(auction_id=paid_auction.pk, bidder=buyer, amount=paid_auction.starting_price)
        assert json.loads(ws.recv(timeout=10))["bid_count"] == 1


def _tls_connect(address: tuple[str, int]) -> ssl.SSLSocket:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # self-signed, local
    return context.wrap_socket(socket.create_connection(address, timeout=60), server_hostname="kvartirabar.uz")


def _read_answer(sock: ssl.SSLSocket) -> tuple[int, bytes]:
    """Status and body of an HTTP/1.0 answer (read to the end of the connection)."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    sock.close()
    head, _sep, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def test_nginx_rate_limits_the_click_callbacks(nginx):
    """One client far over 20 requests/s is refused by nginx beyond the burst of 40, with HTTP 200
    and Click's -7 (shop-api.md §1: always 200 and JSON; Click retries a -7); the first ones get
    Django's answer, and only those reach Django and its callback log."""
    _http, https = nginx
    host, port = https.removeprefix("https://").split(":")
    count = 120  # plus the connections to the app: within the test nginx's 256
    # The TLS handshakes first (slow on a busy machine), then every request at once: the rate
    # nginx sees does not depend on how fast this machine or the app is.
    with ThreadPoolExecutor(max_workers=16) as pool:
        sockets = list(pool.map(lambda _: _tls_connect((host, int(port))), range(count)))
    request = (
        b"POST /api/auctions/click/complete/ HTTP/1.0\r\nHost: kvartirabar.uz\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 0\r\n\r\n"
    )
    before = ClickCallback.objects.count()
    started = time.monotonic()
    for sock in sockets:
        sock.sendall(request)
    sending = time.monotonic() - started
    answers = [_read_answer(sock) for sock in sockets]

    assert {status for status, _ in answers} == {200}
    errors = [json.loads(body)["error"] for _, body in answers]
    answered = [error for error in errors if error == -8]  # Django's, to the empty body
    limited = [error for error in errors if error == -7]  # nginx's @click_busy
    assert len(answered) + len(limited) == count, errors
    # The burst of 40 passes at once; beyond it, 20 requests per second.
    assert 41 <= len(answered) <= 41 + 20 * sending + 2, (len(answered), sending)
    assert limited
    assert ClickCallback.objects.count() - before == len(answered)
    # Other locations are not limited by it.
    with httpx.Client(base_url=https, verify=False, timeout=10) as client:  # noqa: S501 - self-signed, local
        assert client.get("/healthz").status_code == 200


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    """Whether any thread of the process still runs. A killed process's main thread can turn
    zombie while its other threads are still exiting, and those still hold its files (the
    listening socket among them): the process is gone only when every thread is."""
    for stat in Path(f"/proc/{pid}/task").glob("*/stat"):
        with contextlib.suppress(OSError, IndexError):
            if stat.read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X"):
                return True
    return False


def test_a_master_killed_outright_takes_its_workers_and_frees_the_port(tmp_path, db):
    """SIGKILL of the gunicorn master (the OOM killer, kill -9): its workers end with it, so the
    port is free for systemd's restart at once (orphans used to hold it for ~20 s)."""
    if not settings.REDIS_URL:
        pytest.skip("the production server needs Redis (cache and channel layer)")
    port = _free_port()
    env = _server_env(tmp_path, port) | {"GUNICORN_WORKERS": "2"}
    with (tmp_path / "gunicorn.log").open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "config.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            for _ in range(300):
                with contextlib.suppress(httpx.HTTPError):
                    httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                    break
                time.sleep(0.1)
            workers = _children(process.pid)
            assert len(workers) == 2, (tmp_path / "gunicorn.log").read_text()

            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            for _ in range(50):  # up to 5 s
                if not any(_alive(pid) for pid in workers):
                    break
                time.sleep(0.1)
            assert not any(_alive(pid) for pid in workers), "orphaned workers outlived their master"
            with socket.socket() as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind(("127.0.0.1", port))  # what the restarted master does
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_the_systemd_units_verify(tmp_path):
    """`systemd-analyze verify` on every unit in deploy/systemd, against a layout in a temp dir
    (the units' /srv/kvartirabar with a .venv and an .env)."""
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is needed (Debian's systemd package)"
    root = tmp_path / "srv" / "kvartirabar"
    (root / ".venv" / "bin").mkdir(parents=True)
    for name in ("gunicorn", "celery", "python"):
        (root / ".venv" / "bin" / name).symlink_to(sys.executable)
    (root / ".env").write_text("DEBUG=0\n")
    units = tmp_path / "units"
    units.mkdir()
    for unit in sorted((ROOT / "deploy" / "systemd").glob("*.service")):
        (units / unit.name).write_text(unit.read_text().replace("/srv/kvartirabar", str(root)))
    result = subprocess.run(  # noqa: S603
        [analyze, "verify", *sorted(str(u) for u in units.iterdir())],
        capture_output=True,
        text=True,
        timeout=60,
    )
    problems = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert result.returncode == 0 and not problems, problems
    web = (units / "kvartirabar-web.service").read_text()
    assert "StartLimitIntervalSec=0" in web and "KillMode=mixed" in web and "Restart=always" in web


def test_the_web_service_runs_two_gthread_workers_per_core_by_default(monkeypatch):
    """deploy/gunicorn.conf.py's default for config.wsgi: two processes per core, four threads each
    (with one process per core a worker waiting on the database left its core idle: bench/bids.py
    answered 60–66 bids/s on 2×4 and 88–95 on 4×4, docs/benchmarks.md)."""
    import multiprocessing
    import runpy

    for name in ("GUNICORN_WORKERS", "GUNICORN_THREADS", "GUNICORN_WORKER_CLASS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "argv", ["gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi:application"])
    config = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    assert (config["worker_class"], config["workers"], config["threads"]) == (
        "gthread",
        2 * multiprocessing.cpu_count(),
        4,
    )
    monkeypatch.setenv("GUNICORN_WORKERS", "3")
    assert runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))["workers"] == 3


def test_requests_are_logged_once_by_nginx_with_their_times(nginx, tmp_path, monkeypatch):
    """nginx's access log has each request with its time in all and in the app; gunicorn logs none
    of its own by default (its line cost a quarter of a trivial request's CPU), unless told to."""
    import runpy

    _http, https = nginx
    with httpx.Client(base_url=https, verify=False, timeout=10) as client:  # noqa: S501 - self-signed, local
        assert client.get("/listings/?rooms=2").status_code == 200
    log = tmp_path / "nginx" / "kvartirabar.access.log"
    for _ in range(50):  # nginx writes the line as the request ends
        if log.exists() and "/listings/?rooms=2" in log.read_text():
            break
        time.sleep(0.1)
    line = next(line for line in log.read_text().splitlines() if "/listings/?rooms=2" in line)
    assert re.search(r'" 200 \d+ ".*" ".*" rt=\d+\.\d{3} urt=\d+\.\d{3}$', line), line

    monkeypatch.delenv("GUNICORN_ACCESS_LOG", raising=False)
    monkeypatch.setattr(sys, "argv", ["gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi:application"])
    assert runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))["accesslog"] is None
    monkeypatch.setenv("GUNICORN_ACCESS_LOG", "-")
    assert runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))["accesslog"] == "-"


def test_nginx_answers_the_gateways_in_their_terms_when_it_refuses(nginx):
    """nginx's own refusal of a callback body far too large is HTTP 200 and the gateway's JSON, as
    both protocols demand of every answer (the flood's: test_nginx_rate_limits_the_click_callbacks)."""
    _http, https = nginx
    with httpx.Client(base_url=https, verify=False, timeout=10) as client:  # noqa: S501 - self-signed, local
        big = b"a=" + b"x" * 70_000
        click = client.post(
            "/api/auctions/click/prepare/", content=big, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert click.status_code == 200 and click.headers["Content-Type"].startswith("application/json")
        assert click.json()["error"] == -8
        payme = client.post("/api/auctions/payme/", content=big, headers={"Content-Type": "text/json"})
        assert payme.status_code == 200 and payme.headers["Content-Type"] == "application/json; charset=UTF-8"
        assert payme.json()["error"]["code"] == -32600
        assert payme.json()["error"]["message"]["uz"] == "Noto'g'ri RPC so'rov"


def test_the_app_down_behind_nginx_is_each_gateways_retry_error_with_http_200(
    nginx_without_app, tmp_path, monkeypatch, db
):
    """Both protocols demand HTTP 200 and their JSON for every answer (shop-api.md §1, merchant-api.md
    §1): with the app down, restarting or too slow, nginx says "our failure, retry" in each one's
    terms (Click -7, Payme -32400), never its 502/504 page."""
    _http, https = nginx_without_app
    with httpx.Client(base_url=https, verify=False, timeout=10) as client:  # noqa: S501 - self-signed, local
        for path in ("/api/auctions/click/prepare/", "/api/auctions/click/complete/"):
            form = {"Content-Type": "application/x-www-form-urlencoded"}
            click = client.post(path, content=b"action=0", headers=form)
            assert click.status_code == 200 and click.headers["Content-Type"].startswith("application/json")
            assert (click.json()["error"], click.json()["error_note"]) == (-7, "Failed to update user")
        headers = {"Content-Type": "text/json; charset=UTF-8", "Authorization": authorization_header("any-key")}
        for path in ("/api/auctions/payme/", "/api/auctions/payme"):
            payme = client.post(path, content=b'{"method": "CheckTransaction", "params": {}, "id": 1}', headers=headers)
            assert payme.status_code == 200 and payme.headers["Content-Type"] == "application/json; charset=UTF-8"
            assert payme.json()["error"]["code"] == -32400
            assert payme.json()["error"]["message"]["ru"] == "Системная ошибка"
    # payme_doctor tells nginx's stand-in from the app's own answer: the app did not answer (click_doctor:
    # tests/test_click_doctor.py, test_real_nginx_with_a_wrong_proxy_pass_path).
    from fees_payme.doctor import doctor_run as payme_doctor_run

    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "nginx" / "cert.pem"))  # trusted, as Payme trusts ours
    payme = [f for f in payme_doctor_run(self_test=False, base_url=https) if f.code.startswith("http.")]
    assert [f.code for f in payme] == ["http.upstream"], payme
    assert "systemctl status kvartirabar-web" in payme[0].fix_en
