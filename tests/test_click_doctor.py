"""`manage.py click_doctor`: every finding, its level, both languages and the exit status (PostgreSQL)."""

import contextlib
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from django.core.management import call_command
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone

from accounts.models import User
from auctions.models import Auction, AuctionStatus
from clickuz.models import ClickCallback
from fees.demo import fee_pay_offline
from fees.models import AuctionPayment, FeeRefund, PaymentAttempt, RefundState, RefundStatus
from fees.services import fee_initiate
from fees_click.doctor import doctor_run
from tests.procs import ROOT, free_port, server_env

FORM = "application/x-www-form-urlencoded"
pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


class MaintenanceMiddleware:
    """A site-wide HTML page in front of everything, as a misconfigured proxy or maintenance mode would."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return HttpResponse("<h1>Maintenance</h1>", status=503)


@pytest.fixture
def production_like(settings, click_merchant):
    """A healthy production-like setup: no sandbox, HTTPS site, Merchant API on, one callback seen."""
    settings.DEBUG = False
    settings.LISTINGS_AUTO_APPROVE = False  # production: listings wait for a moderator
    settings.CLICK_SANDBOX = False
    settings.SITE_URL = "https://testserver"
    ClickCallback.objects.create(stage="prepare", method="POST", error=0)
    return settings


def codes(findings) -> dict[str, str]:
    return {f.code: f.level for f in findings}


def run(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        # The in-process checks only: the HTTP self-test has its own tests against real servers below.
        call_command("click_doctor", "--no-http", *args, stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_a_healthy_setup_passes_strictly_and_leaves_nothing_behind(production_like):
    users, callbacks = User.objects.count(), ClickCallback.objects.count()
    found = codes(doctor_run())
    assert found == {"routes.ok": "ok", "selftest.ok": "ok"}
    status, out = run("--strict")
    assert status == 0 and "Итог: 0 ошибок, 0 предупреждений." in out
    # The probes and the self-test were rolled back.
    assert User.objects.count() == users and ClickCallback.objects.count() == callbacks
    assert not Auction.objects.exists() and not AuctionPayment.objects.exists()


def test_placeholder_credentials_are_an_error_outside_the_sandbox(production_like):
    production_like.CLICK_SECRET_KEY = "your_secret_key"
    production_like.CLICK_MERCHANT_USER_ID = ""
    found = [f for f in doctor_run(self_test=False) if f.code == "config.click"]
    assert {f.level for f in found} == {"error"}
    assert any("CLICK_SECRET_KEY is a placeholder" in f.en for f in found)
    assert any("CLICK_MERCHANT_USER_ID is not set" in f.ru for f in found)
    status, out = run("--lang", "en", "--no-self-test")
    assert status == 1 and "[ERROR] Click setting: CLICK_SECRET_KEY" in out and "Summary: 2 errors" in out


def test_the_sandbox_is_a_warning_in_development_and_an_error_in_production(production_like):
    production_like.CLICK_SANDBOX = True
    production_like.DEBUG = True
    assert codes(doctor_run(self_test=False))["config.sandbox"] == "warning"
    production_like.DEBUG = False
    assert codes(doctor_run(self_test=False))["config.sandbox"] == "error"


def test_site_url_must_be_https_and_an_allowed_host(production_like):
    production_like.SITE_URL = "http://kvartirabar.uz"
    assert codes(doctor_run(self_test=False))["config.site_url"] == "error"
    production_like.SITE_URL = "https://kvartirabar.uz"
    production_like.ALLOWED_HOSTS = ["testserver"]
    assert codes(doctor_run(self_test=False))["config.site_url_host"] == "error"
    # Django's rule: ".kvartirabar.uz" also allows the bare domain.
    production_like.ALLOWED_HOSTS = ["testserver", ".kvartirabar.uz"]
    assert "config.site_url_host" not in codes(doctor_run(self_test=False))


def test_merchant_api_off_is_reported(production_like):
    production_like.CLICK_MERCHANT_API_URL = ""
    assert codes(doctor_run(self_test=False))["config.merchant_api"] == "warning"
    production_like.CLICK_MERCHANT_API_URL = "http://api.click.uz/v2/merchant/"
    assert codes(doctor_run(self_test=False))["config.merchant_api"] == "error"


def test_a_callback_path_that_does_not_resolve(production_like):
    production_like.CLICK_COMPLETE_PATH = "/api/auctions/click/confirm/"
    found = codes(doctor_run(self_test=False))
    assert found["routes.resolve"] == "error" and "routes.ok" not in found


def test_a_callback_url_that_does_not_answer_json(production_like):
    production_like.MIDDLEWARE = ["tests.test_click_doctor.MaintenanceMiddleware", *production_like.MIDDLEWARE]
    found = [f for f in doctor_run() if f.code in ("routes.json", "selftest.failed")]
    assert [f.code for f in found] == ["routes.json", "routes.json", "selftest.failed"]
    assert "HTTP 503" in found[0].en


def test_a_failing_self_test_is_an_error(production_like):
    production_like.CLICK_PAYMENT_EXPIRES_AFTER_SECONDS = 0  # every fee expires at once: Prepare answers -9
    [failed] = [f for f in doctor_run() if f.code.startswith("selftest")]
    assert failed.code == "selftest.failed" and failed.level == "error" and "-9" in failed.en


def test_no_callback_ever_is_explained(production_like):
    ClickCallback.objects.all().delete()
    [finding] = [f for f in doctor_run(self_test=False) if f.code.startswith("callbacks")]
    assert finding.code == "callbacks.none" and "https://" in finding.fix_ru


def test_recent_callback_errors_are_explained_with_the_fix(production_like, payment):
    fields = {
        "click_trans_id": "1",
        "service_id": "12345",
        "merchant_trans_id": payment.merchant_trans_id,
        "amount": "50000.00",
        "action": "0",
        "sign_time": "2026-11-29 10:00:00",
        "sign_string": "0" * 32,
    }
    for _ in range(2):
        Client().post(
            "/api/auctions/click/prepare/", urlencode(fields), content_type="application/x-www-form-urlencoded"
        )
    Client().post("/api/auctions/click/prepare/", "{}", content_type="application/json")
    found = {f.code: f for f in doctor_run(self_test=False)}
    assert found["callbacks.-1"].level == "error"
    assert "2×" in found["callbacks.-1"].en and "CLICK_SECRET_KEY" in found["callbacks.-1"].fix_en
    assert "секретный ключ отличается" in found["callbacks.-1"].ru
    assert found["callbacks.-8"].level == "warning"
    status, out = run("--no-self-test")
    assert status == 1 and "[ОШИБКА] -1:" in out and "сравните CLICK_SECRET_KEY" in out


def test_a_completed_payment_whose_auction_is_not_running(production_like, auction):
    fee_pay_offline(fee_initiate(auction_id=auction.pk, user=auction.seller))
    Auction.objects.filter(pk=auction.pk).update(is_paid=False, status=AuctionStatus.PENDING_PAYMENT)
    assert codes(doctor_run(self_test=False))["consistency.paid_not_active"] == "error"


def test_a_running_auction_without_a_completed_payment(production_like, auction):
    Auction.objects.filter(pk=auction.pk).update(is_paid=True, status=AuctionStatus.SCHEDULED)
    found = [f for f in doctor_run(self_test=False) if f.code == "consistency.active_not_paid"]
    assert len(found) == 1 and f"#{auction.pk}" in found[0].en


def _refund(payment: AuctionPayment) -> FeeRefund:
    attempt = payment.attempts.get(status="completed")
    return FeeRefund.objects.create(
        payment=payment, attempt=attempt, gateway="click", amount=payment.amount, reason="auction_cancelled"
    )


def test_refunds_waiting_unknown_and_failed(production_like, paid_auction, settings):
    payment = AuctionPayment.objects.get(auction=paid_auction)
    refund = _refund(payment)
    assert codes(doctor_run(self_test=False))["refunds.pending"] == "warning"

    # The reversal timed out: its outcome is unknown. No manual refund is advised (it could pay twice).
    FeeRefund.objects.filter(pk=refund.pk).update(state=RefundState.UNKNOWN, sends=1, note="ReadTimeout")
    [finding] = [f for f in doctor_run(self_test=False) if f.code.startswith("refunds.")]
    assert finding.code == "refunds.unknown" and finding.level == "warning"
    assert finding.fix_en.startswith("do not refund by hand")

    # Click refused: the job never re-sends a refusal, so an operator acts (on the first refusal too).
    FeeRefund.objects.filter(pk=refund.pk).update(state=RefundState.FAILED, sends=1, note="error_code -4045")
    [finding] = [f for f in doctor_run(self_test=False) if f.code.startswith("refunds.")]
    assert finding.code == "refunds.failed" and finding.level == "error" and "-4045" in finding.ru
    assert "by hand" in finding.fix_en

    # Still charged after every automatic send: it waits for an operator too.
    FeeRefund.objects.filter(pk=refund.pk).update(
        state=RefundState.REQUESTED, sends=settings.CLICK_REFUND_MAX_ATTEMPTS, note="still paid"
    )
    [finding] = [f for f in doctor_run(self_test=False) if f.code.startswith("refunds.")]
    assert finding.code == "refunds.failed" and "automatic sends" in finding.en

    FeeRefund.objects.filter(pk=refund.pk).update(state=RefundState.DONE)
    assert not [f for f in doctor_run(self_test=False) if f.code.startswith("refunds.")]


def test_stale_prepared_attempts_are_reported(production_like, payment):
    production_like.CLICK_RECONCILE_AFTER_SECONDS = 0
    PaymentAttempt.objects.create(payment=payment, gateway_trans_id="55", amount=payment.amount)
    assert codes(doctor_run(self_test=False))["reconcile.stale"] == "warning"


def test_open_payments_for_an_old_fee_are_reported(production_like, payment):
    assert "config.fee_changed" not in codes(doctor_run(self_test=False))
    production_like.AUCTION_FEE = payment.amount * 2
    [finding] = [f for f in doctor_run(self_test=False) if f.code == "config.fee_changed"]
    assert finding.level == "warning" and "1 open payment" in finding.en


def test_a_cancelled_paid_auction_keeping_its_fee_is_a_warning_and_a_refunded_one_is_fine(
    production_like, paid_auction
):
    Auction.objects.filter(pk=paid_auction.pk).update(status=AuctionStatus.CANCELLED)
    assert codes(doctor_run(self_test=False))["consistency.paid_not_active"] == "warning"
    AuctionPayment.objects.filter(auction=paid_auction).update(refund_status=RefundStatus.REFUNDED)
    assert "consistency.paid_not_active" not in codes(doctor_run(self_test=False))


def test_a_fee_paid_too_late_is_accounted_for_once_flagged(production_like, auction):
    fee_pay_offline(fee_initiate(auction_id=auction.pk, user=auction.seller))
    Auction.objects.filter(pk=auction.pk).update(is_paid=False, status=AuctionStatus.PENDING_PAYMENT)
    payment = AuctionPayment.objects.get(auction=auction)
    AuctionPayment.objects.filter(pk=payment.pk).update(needs_refund=True)
    _refund(payment)
    found = codes(doctor_run(self_test=False))
    assert "consistency.paid_not_active" not in found and found["refunds.pending"] == "warning"


# --- Findings that clear, probes that do not count ---------------------------------------------------


def _callback(stage: str, error: int, *, probe: bool = False) -> ClickCallback:
    return ClickCallback.objects.create(
        stage=stage, method="POST", error=error, is_probe=probe, merchant_trans_id="AUCTION_X", detail="d"
    )


def test_a_callback_error_shows_when_it_was_last_seen_and_clears_after_a_later_success(production_like):
    _callback("prepare", -1)
    last = _callback("prepare", -1)
    [finding] = [f for f in doctor_run(self_test=False) if f.code == "callbacks.-1"]
    seen = timezone.localtime(last.created_at).strftime("%Y-%m-%d %H:%M:%S")
    assert finding.level == "error" and "2×" in finding.en and f"last seen {seen}" in finding.en
    assert run("--no-self-test")[0] == 1
    # A success of another kind (Complete) does not clear a Prepare problem.
    _callback("complete", 0)
    assert codes(doctor_run(self_test=False))["callbacks.-1"] == "error"
    # A later Prepare went through: the problem is fixed, the history stays visible, the cron alert is green.
    _callback("prepare", 0)
    [finding] = [f for f in doctor_run(self_test=False) if f.code == "callbacks.-1"]
    assert finding.level == "info" and "resolved" in finding.en and "исправлено" in finding.ru
    status, out = run("--no-self-test", "--strict")
    assert status == 0 and "Итог: 0 ошибок, 0 предупреждений." in out
    # It comes back when it happens again.
    _callback("prepare", -1)
    assert codes(doctor_run(self_test=False))["callbacks.-1"] == "error"


def test_the_doctors_own_probes_are_not_counted(production_like):
    ClickCallback.objects.all().delete()
    _callback("prepare", -5, probe=True)
    _callback("complete", -1, probe=True)
    found = codes(doctor_run(self_test=False))
    # Only probes so far: for the doctor, Click has never called.
    assert found.get("callbacks.none") == "warning"
    assert "callbacks.-5" not in found and "callbacks.-1" not in found
    # A probe's success does not clear a real failure either.
    _callback("prepare", -1)
    _callback("prepare", 0, probe=True)
    found = codes(doctor_run(self_test=False))
    assert found["callbacks.-1"] == "error" and "callbacks.none" not in found


# --- Migrations first ---------------------------------------------------------------------------------


def _doctor_process(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our interpreter, our manage.py
        [sys.executable, "manage.py", "click_doctor", "--no-http", "--no-merchant-api", "--lang", "en", *args],
        cwd=ROOT,
        env=server_env(database_url),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_unapplied_migrations_come_first(production_like):
    # A deploy that pulled new code but did not migrate. PostgreSQL's DDL is transactional: the test's
    # rollback restores the schema.
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    MigrationExecutor(connection).migrate([("clickuz", "0001_initial")])
    [finding] = doctor_run()
    assert finding.code == "migrations.pending" and finding.level == "error"
    assert finding.en == (
        "3 unapplied migrations (clickuz.0002_callback_is_probe, clickuz.0003_callback_body_excerpt,"
        " clickuz.0004_callback_fewer_indexes)"
    )
    status, out = run("--lang", "en")
    assert status == 1 and "python manage.py migrate" in out and "Summary: 1 error, 0 warnings." in out
    MigrationExecutor(connection).migrate([("clickuz", "0004_callback_fewer_indexes")])
    assert "migrations.pending" not in codes(doctor_run(self_test=False))


def test_tables_missing_behind_applied_migrations(production_like):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE clickuz_clickcallback")
    [finding] = doctor_run()
    assert finding.code == "migrations.tables_missing" and "clickuz_clickcallback" in finding.en


# --- Over HTTP: what Click sees ------------------------------------------------------------------------

NGINX_404 = (
    b"<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n"
    b"<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


class _Proxy:
    """A small reverse proxy on a free port, as nginx would stand in front of the application.

    `prefix` is prepended to the path it forwards: `proxy_pass http://app/kvartirabar;` instead of
    `proxy_pass http://app;`. Without an upstream it answers `static` (status, content type, body).
    `certificate` serves it over TLS with that (self-signed) certificate.
    """

    def __init__(self, *, upstream=None, prefix="", static=None, certificate=None):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if proxy.upstream is None:
                    status, kind, content = proxy.static
                else:
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in ("content-length", "host")}
                    answer = httpx.post(
                        proxy.upstream + proxy.prefix + self.path, content=body, headers=headers, timeout=30
                    )
                    status, kind, content = answer.status_code, answer.headers.get("Content-Type", ""), answer.content
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def log_message(self, format, *args):
                pass

        self.upstream, self.prefix, self.static = upstream, prefix, static
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        scheme = "http"
        if certificate is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*certificate)
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def app_server(django_db_setup, django_db_blocker):
    """The application in its own gunicorn process, on the test database, with the test Click secret."""
    from tests.procs import Server, url_of_test_database

    with django_db_blocker.unblock():
        url = url_of_test_database()
    server = Server(server_env(url, DEBUG="1"), workers=1, threads=2)
    try:
        yield server.url
    finally:
        server.stop()


def http_findings(**kwargs):
    return [f for f in doctor_run(self_test=False, http=True, **kwargs) if f.code.startswith("http.")]


http_test = pytest.mark.django_db(transaction=True)  # the server's callback rows are flushed after each test


@http_test
def test_http_self_test_through_a_correct_proxy_and_the_upstream(production_like, app_server):
    with _Proxy(upstream=app_server) as proxy:
        production_like.SITE_URL = proxy.url
        found = http_findings(upstreams=[app_server])
    assert [(f.code, f.level) for f in found] == [("http.ok", "ok"), ("http.ok", "ok")]
    assert found[0].en.startswith("SITE_URL") and found[1].en.startswith("upstream")
    # Signed requests for an order that cannot exist: answered -5, no fee touched.
    assert not AuctionPayment.objects.exists() and not PaymentAttempt.objects.exists()
    probes = list(ClickCallback.objects.filter(merchant_trans_id__startswith="AUCTION_DOCTORPROBE"))
    assert sorted((c.stage, c.error) for c in probes) == [("complete", -5)] * 2 + [("prepare", -5)] * 2


@http_test
def test_http_self_test_catches_a_wrong_proxy_pass_path(production_like, app_server):
    # nginx with `proxy_pass http://kvartirabar_app/kvartirabar;`: every callback reaches Django under a
    # wrong path, and Django (or nginx) answers 404 HTML — while everything inside the process is fine.
    with _Proxy(upstream=app_server, prefix="/kvartirabar") as proxy:
        production_like.SITE_URL = proxy.url
        assert codes(doctor_run(self_test=False))["routes.ok"] == "ok"
        found = http_findings(upstreams=[app_server])
        status, out = run_with_http()
    assert [(f.code, f.level) for f in found] == [("http.not_found", "error")] * 2 + [("http.ok", "ok")]
    assert "HTTP 404" in found[0].en and "proxy_pass" in found[0].fix_en and "/click/prepare/" in found[0].en
    assert "/click/complete/" in found[1].en
    assert status == 1 and "HTTP 404" in out and "proxy_pass" in out
    # nginx's own 404 page (a `location` that does not match): the first bytes are shown.
    with _Proxy(static=(404, "text/html", NGINX_404)) as proxy:
        production_like.SITE_URL = proxy.url
        [first, _second] = http_findings()
    assert first.code == "http.not_found" and "<center><h1>404 Not Found</h1></center>" in first.en


@http_test
def test_http_self_test_catches_a_server_that_was_not_restarted(production_like, app_server):
    # The server runs with the secret it read at start; .env now holds a new one, and so does the doctor.
    production_like.CLICK_SECRET_KEY = "the-new-secret-in-env"
    production_like.SITE_URL = app_server
    found = http_findings()
    assert [(f.code, f.level) for f in found] == [("http.secret", "error")] * 2
    assert "restart" in found[0].fix_en and "перезапустите" in found[0].fix_ru
    status, out = run_with_http()
    assert status == 1 and "-1:" in out and "systemctl restart kvartirabar-web" in out


@http_test
def test_http_self_test_catches_html_tls_and_connection_mistakes(production_like, tmp_path):
    # A maintenance or stub page answering 200 with HTML.
    with _Proxy(static=(200, "text/html; charset=utf-8", b"<!doctype html><h1>Kvartirabar</h1>")) as proxy:
        production_like.SITE_URL = proxy.url
        found = http_findings()
    assert [f.code for f in found] == ["http.not_json"] * 2 and "<!doctype html>" in found[0].en
    # JSON, but not Click's.
    with _Proxy(static=(200, "application/json", b'{"detail": "Not found."}')) as proxy:
        production_like.SITE_URL = proxy.url
        assert [f.code for f in http_findings()] == ["http.not_click"] * 2
    # A self-signed certificate: Click would refuse it, so does the doctor.
    subprocess.run(  # noqa: S603 - a fixed command line
        ["/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
        check=True,
        capture_output=True,
    )  # fmt: skip
    certificate = (str(tmp_path / "cert.pem"), str(tmp_path / "key.pem"))
    with _Proxy(static=(200, "application/json", b"{}"), certificate=certificate) as proxy:
        production_like.SITE_URL = proxy.url
        [tls] = http_findings()
    assert tls.code == "http.tls" and tls.level == "error" and "certificate" in tls.fix_en
    # Nothing listens: one finding, not one per stage.
    production_like.SITE_URL = f"http://127.0.0.1:{free_port()}"
    [refused] = http_findings()
    assert refused.code == "http.unreachable" and "systemctl status" in refused.fix_en


def run_with_http(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("click_doctor", "--no-self-test", "--lang", "en", *args, stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


# --- Merchant API credentials ---------------------------------------------------------------------------


def test_merchant_api_credentials_are_checked_with_one_cheap_call(production_like, click_merchant):
    [ok] = [f for f in doctor_run(self_test=False, merchant_api=True) if f.code.startswith("merchant.")]
    assert ok.code == "merchant.ok" and ok.level == "ok"
    [call] = click_merchant.requests
    assert call.method == "GET" and call.path.startswith("/payment/status_by_mti/12345/AUCTION_DOCTORPROBE")
    # Click's cabinet has another secret than ours: the fake refuses the Auth header.
    click_merchant.secret_key = "the-cabinet-secret"
    [bad] = [f for f in doctor_run(self_test=False, merchant_api=True) if f.code.startswith("merchant.")]
    assert bad.code == "merchant.auth" and bad.level == "error" and "401" in bad.en
    assert "CLICK_MERCHANT_USER_ID" in bad.fix_en
    status, out = run("--no-self-test", "--lang", "en")
    assert status == 1 and "refused our credentials" in out
    assert len(click_merchant.requests) == 3  # one call per run, no retries
    status, out = run("--no-self-test", "--no-merchant-api")
    assert status == 0 and len(click_merchant.requests) == 3


def test_an_unreachable_merchant_api_is_a_warning(production_like):
    production_like.CLICK_MERCHANT_API_URL = f"http://127.0.0.1:{free_port()}/v2/merchant/"
    found = codes(doctor_run(self_test=False, merchant_api=True))
    assert found["merchant.unreachable"] == "warning"


@contextlib.contextmanager
def _nginx(config_text: str, folder, https_port: int):
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    config = folder / "nginx.conf"
    config.write_text(config_text)
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
        yield f"https://127.0.0.1:{https_port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@http_test
def test_real_nginx_with_a_wrong_proxy_pass_path(production_like, app_server, tmp_path, monkeypatch):
    """The shipped nginx config in front of the application, then the same with a path in proxy_pass."""
    if not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()) or not Path("/usr/bin/openssl").exists():
        pytest.skip("nginx or openssl is not installed (apt-get install nginx openssl)")
    from tests.test_production_server import _nginx_config

    folder = tmp_path / "nginx"
    folder.mkdir()
    https_port = free_port()
    shipped = _nginx_config(
        folder, app=app_server.removeprefix("http://"), http_port=free_port(), https_port=https_port
    )
    # A certificate for 127.0.0.1 that this test trusts, as Click trusts the real one.
    subprocess.run(  # noqa: S603 - a fixed command line
        ["/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")],
        check=True,
        capture_output=True,
    )  # fmt: skip
    monkeypatch.setenv("SSL_CERT_FILE", str(folder / "cert.pem"))
    text = shipped.read_text()
    at = text.index("location /api/auctions/click/")
    right = "proxy_pass http://kvartirabar_app;"
    assert text.index(right, at) > at
    wrong = text[:at] + text[at:].replace(right, "proxy_pass http://kvartirabar_app/;", 1)
    with _nginx(text, folder, https_port) as site:
        production_like.SITE_URL = site
        assert [f.code for f in http_findings()] == ["http.ok"]
    with _nginx(wrong, folder, https_port) as site:
        production_like.SITE_URL = site
        assert codes(doctor_run(self_test=False))["routes.ok"] == "ok"  # inside Django all is well
        found = http_findings(upstreams=[app_server])
    assert [f.code for f in found] == ["http.not_found", "http.not_found", "http.ok"]
    assert "HTTP 404" in found[0].en and "proxy_pass" in found[0].fix_en
    # The app down behind the shipped config: nginx answers Click's -7 with HTTP 200 (so Click
    # retries), and the doctor still says the app did not answer, not that a payment failed to record.
    app = app_server.removeprefix("http://")
    assert f"server {app}" in text
    down = text.replace(f"server {app}", f"server 127.0.0.1:{free_port()}")
    with _nginx(down, folder, https_port) as site:
        production_like.SITE_URL = site
        found = http_findings()
    assert found and {f.code for f in found} == {"http.upstream"}, found
    assert "systemctl status kvartirabar-web" in found[0].fix_en
