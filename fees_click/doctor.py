"""`manage.py click_doctor`: the operator's troubleshooting in one command.

Each check returns Findings with a stable `code`, a level, and the message
and fix in Russian and English. Errors make the command exit non-zero.

Migrations come first: without the tables nothing else can be asked. The
in-process checks (routes, a rolled-back Prepare+Complete) test the fee rules;
the HTTP self-test sends signed requests to SITE_URL (and a local upstream) as
Click would, which is what catches nginx, TLS and not-restarted mistakes.
"""

import json
import logging
import secrets
import ssl
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.http.request import validate_host
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone

from accounts.models import User
from auctions.models import PAID_AUCTION_STATUSES, Auction, AuctionStatus
from clickuz.credentials import click_settings_problems
from clickuz.merchant import ClickMerchantClient, MerchantConfig
from clickuz.models import ClickCallback
from clickuz.probe import PROBE_HEADER, probe_header_value
from clickuz.protocol import Action
from clickuz.simulator import TASHKENT, callback_fields_signed
from clickuz.troubleshooting import CALLBACK_ERRORS, ERROR, INFO, OK, WARNING
from core.formatting import plural_en, plural_ru
from fees.demo import test_fee_payment_create
from fees.models import AuctionPayment, FeeRefund, Gateway, PaymentStatus, RefundState, RefundStatus
from fees_click.services import attempts_due_for_reconcile

# Operator code 00 is not assigned in Uzbekistan: never a real person's phone.
SELF_TEST_PHONE = "+998000000098"
# An order id no fee can have (ours are AUCTION_ + 20 characters): the server answers -5 and changes nothing.
PROBE_ORDER_PREFIX = "AUCTION_DOCTORPROBE"
HTTP_TIMEOUT = 10.0
# A Merchant API on the machine itself (a local proxy or test double) may be plain HTTP.
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class Finding:
    code: str
    level: str
    ru: str
    en: str
    fix_ru: str = ""
    fix_en: str = ""

    def text(self, lang: str) -> tuple[str, str]:
        return (self.en, self.fix_en) if lang == "en" else (self.ru, self.fix_ru)


def _migration_findings(using: str = DEFAULT_DB_ALIAS) -> list[Finding]:
    """Unapplied migrations or missing tables: the one finding that matters, the other checks need the tables."""
    connection = connections[using]
    fix_ru = "выполните python manage.py migrate и перезапустите сервер"
    fix_en = "run python manage.py migrate, then restart the server"
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        tables = set(connection.introspection.table_names())
    except Exception as exc:  # no database, no rights, a broken migration history: say so, no traceback
        return [
            Finding(
                "migrations.unknown",
                ERROR,
                f"не удалось проверить миграции: {type(exc).__name__}: {exc}",
                f"could not check the migrations: {type(exc).__name__}: {exc}",
                "проверьте DATABASE_URL и доступ к базе, затем python manage.py migrate",
                "check DATABASE_URL and access to the database, then python manage.py migrate",
            )
        ]
    if plan:
        names = [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]
        shown = ", ".join(names[:5]) + (" …" if len(names) > 5 else "")
        fresh = "django_migrations" not in tables
        return [
            Finding(
                "migrations.pending",
                ERROR,
                ("база пуста: таблиц нет" if fresh else f"не применены миграции: {len(names)}") + f" ({shown})",
                (
                    "the database is empty: no tables"
                    if fresh
                    else plural_en(len(names), "unapplied migration", "unapplied migrations")
                )
                + f" ({shown})",
                fix_ru,
                fix_en,
            )
        ]
    missing = sorted(
        model._meta.db_table
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy and model._meta.db_table not in tables
    )
    if missing:
        return [
            Finding(
                "migrations.tables_missing",
                ERROR,
                f"миграции отмечены применёнными, но таблиц нет: {', '.join(missing[:5])}",
                f"the migrations are marked applied but tables are missing: {', '.join(missing[:5])}",
                "восстановите базу из резервной копии или пересоздайте её и выполните python manage.py migrate",
                "restore the database from a backup, or recreate it and run python manage.py migrate",
            )
        ]
    return []


def _config_findings() -> Iterator[Finding]:
    click = {
        "CLICK_SERVICE_ID": str(settings.CLICK_SERVICE_ID),
        "CLICK_MERCHANT_ID": str(settings.CLICK_MERCHANT_ID),
        "CLICK_MERCHANT_USER_ID": str(settings.CLICK_MERCHANT_USER_ID),
        "CLICK_SECRET_KEY": settings.CLICK_SECRET_KEY,
    }
    sandbox = settings.CLICK_SANDBOX
    problems = click_settings_problems(click)
    if not click["CLICK_MERCHANT_USER_ID"].strip():
        problems.append("CLICK_MERCHANT_USER_ID is not set: the Merchant API (reconciliation, refunds) needs it.")
    for problem in problems:
        yield Finding(
            "config.click",
            WARNING if sandbox else ERROR,
            f"настройка Click: {problem}",
            f"Click setting: {problem}",
            "задайте значение из кабинета Click в окружении или .env и перезапустите сервер",
            "set the value from the Click cabinet in the environment or .env and restart the server",
        )
    if sandbox:
        yield Finding(
            "config.sandbox",
            WARNING if settings.DEBUG else ERROR,
            "включена песочница Click (CLICK_SANDBOX): платежи не доходят до Click",
            "the Click sandbox is on (CLICK_SANDBOX): payments do not reach Click",
            "в production: CLICK_SANDBOX=0",
            "in production: CLICK_SANDBOX=0",
        )
    site = urlsplit(settings.SITE_URL or "")
    if site.scheme != "https" or not site.netloc:
        yield Finding(
            "config.site_url",
            WARNING if settings.DEBUG else ERROR,
            f"SITE_URL не HTTPS ({settings.SITE_URL or 'не задан'}): Click вызывает только https:// адреса",
            f"SITE_URL is not HTTPS ({settings.SITE_URL or 'not set'}): Click calls https:// URLs only",
            "SITE_URL=https://kvartirabar.uz (и TLS на nginx)",
            "SITE_URL=https://kvartirabar.uz (and TLS on nginx)",
        )
    elif settings.ALLOWED_HOSTS and not _host_allowed(site.hostname or ""):
        yield Finding(
            "config.site_url_host",
            ERROR,
            f"хост SITE_URL ({site.hostname}) не входит в ALLOWED_HOSTS: Django ответит Click ошибкой 400",
            f"SITE_URL's host ({site.hostname}) is not in ALLOWED_HOSTS: Django would answer Click with a 400",
            "добавьте хост в ALLOWED_HOSTS",
            "add the host to ALLOWED_HOSTS",
        )
    stale_amounts = AuctionPayment.objects.filter(status=PaymentStatus.PENDING).exclude(amount=settings.AUCTION_FEE)
    if stale_amounts.exists():
        yield Finding(
            "config.fee_changed",
            WARNING,
            plural_ru(stale_amounts.count(), "открытая оплата", "открытые оплаты", "открытых оплат")
            + f" на сумму, отличную от AUCTION_FEE={settings.AUCTION_FEE}: "
            "Click платит сумму из ссылки, мы сверяем с суммой оплаты",
            plural_en(stale_amounts.count(), "open payment", "open payments")
            + f" for an amount other than AUCTION_FEE={settings.AUCTION_FEE}: "
            "Click pays the link's amount, we compare with the payment's",
            "не меняйте AUCTION_FEE при открытых оплатах; такие оплаты истекут, продавец инициирует новые",
            "do not change AUCTION_FEE while payments are open; those payments expire and sellers initiate new ones",
        )
    merchant = MerchantConfig.from_settings()
    if not merchant.base_url:
        yield Finding(
            "config.merchant_api",
            WARNING,
            "Merchant API Click выключен (CLICK_MERCHANT_API_URL пуст): нет сверки, возвратов и счетов по телефону",
            "Click's Merchant API is off (CLICK_MERCHANT_API_URL empty): no reconciliation, refunds or invoices",
            "CLICK_MERCHANT_API_URL=https://api.click.uz/v2/merchant/",
            "CLICK_MERCHANT_API_URL=https://api.click.uz/v2/merchant/",
        )
    elif urlsplit(merchant.base_url).scheme != "https" and urlsplit(merchant.base_url).hostname not in LOOPBACK:
        yield Finding(
            "config.merchant_api",
            ERROR,
            f"CLICK_MERCHANT_API_URL не HTTPS: {merchant.base_url}",
            f"CLICK_MERCHANT_API_URL is not HTTPS: {merchant.base_url}",
            "CLICK_MERCHANT_API_URL=https://api.click.uz/v2/merchant/",
            "CLICK_MERCHANT_API_URL=https://api.click.uz/v2/merchant/",
        )


def _host_allowed(host: str) -> bool:
    return validate_host(host, settings.ALLOWED_HOSTS)  # Django's own rule (".example.uz" covers the bare domain)


def _probe_host() -> str:
    host = urlsplit(settings.SITE_URL or "").hostname
    if host and _host_allowed(host):
        return host
    for allowed in settings.ALLOWED_HOSTS:
        if allowed not in ("*", ""):
            return allowed.lstrip(".")
    return "localhost"


def _client() -> Client:
    # Tagged as the operator's probe: the callback log does not count it as Click's traffic.
    probe = probe_header_value(secret_key=settings.CLICK_SECRET_KEY)
    return Client(HTTP_HOST=_probe_host(), raise_request_exception=False, headers={PROBE_HEADER: probe})


def _post(client: Client, path: str, fields: dict[str, str] | None) -> tuple[int, Any]:
    if fields is None:
        response = client.post(path, "{}", content_type="application/json", secure=True)
    else:
        response = client.post(path, urlencode(fields), content_type="application/x-www-form-urlencoded", secure=True)
    try:
        return response.status_code, json.loads(response.content)
    except ValueError:
        return response.status_code, None


class _Rollback(Exception):
    pass


def _in_throwaway_transaction(work: Callable[[], list[Finding]]) -> list[Finding]:
    """Run `work` in a transaction that is always rolled back: nothing it writes stays."""
    found: list[Finding] = []
    try:
        with transaction.atomic():
            found = work()
            raise _Rollback
    except _Rollback:
        pass
    return found


def _route_findings() -> list[Finding]:
    def work() -> list[Finding]:
        found = []
        client = _client()
        for action, path in (
            (Action.PREPARE, settings.CLICK_PREPARE_PATH),
            (Action.COMPLETE, settings.CLICK_COMPLETE_PATH),
        ):
            try:
                match = resolve(path)
                view_action = getattr(match.func, "view_initkwargs", {}).get("action")
            except Resolver404:
                view_action = None
            if view_action != action:
                found.append(
                    Finding(
                        "routes.resolve",
                        ERROR,
                        f"{path} не ведёт на обработчик Click {action.name}",
                        f"{path} does not lead to the Click {action.name} handler",
                        "проверьте config/urls.py (auctions.urls_click)",
                        "check config/urls.py (auctions.urls_click)",
                    )
                )
                continue
            status, body = _post(client, path, None)
            if status != 200 or not isinstance(body, dict) or body.get("error") != -8:
                found.append(
                    Finding(
                        "routes.json",
                        ERROR,
                        f"{path} ответил HTTP {status} не в формате Click: {str(body)[:120]}",
                        f"{path} answered HTTP {status}, not in Click's format: {str(body)[:120]}",
                        "Click ждёт HTTP 200 и JSON; проверьте middleware, редиректы на HTTPS, nginx",
                        "Click expects HTTP 200 and JSON; check middleware, HTTPS redirects, nginx",
                    )
                )
        if not found:
            found.append(
                Finding(
                    "routes.ok",
                    OK,
                    "внутри Django адреса Prepare и Complete отвечают JSON Click",
                    "inside Django the Prepare and Complete URLs answer Click's JSON",
                )
            )
        return found

    return _in_throwaway_transaction(work)


def _self_test_findings() -> list[Finding]:
    """A signed Prepare and Complete on a throw-away payment, through the real URLs, rolled back."""

    def work() -> list[Finding]:
        now = timezone.now()
        seller, _created = User.objects.get_or_create(
            phone=SELF_TEST_PHONE, defaults={"first_name": "click_doctor", "phone_verified_at": now}
        )
        payment = test_fee_payment_create(
            seller=seller,
            title="click_doctor self-test",
            starts_at=now + timedelta(hours=1),
            ends_at=now + timedelta(days=1),
        )
        auction = payment.auction
        sign = partial(
            callback_fields_signed,
            click_trans_id=str(9 * 10**14 + auction.pk),
            service_id=str(settings.CLICK_SERVICE_ID),
            secret_key=settings.CLICK_SECRET_KEY,
            merchant_trans_id=payment.merchant_trans_id,
            amount=f"{payment.amount:.2f}",
            paydoc_id="1",
        )
        client = _client()
        _status, prepared = _post(client, settings.CLICK_PREPARE_PATH, sign(action=Action.PREPARE))
        completed: Any = None
        if isinstance(prepared, dict) and prepared.get("error") == 0:
            _status, completed = _post(
                client,
                settings.CLICK_COMPLETE_PATH,
                sign(action=Action.COMPLETE, merchant_prepare_id=str(prepared.get("merchant_prepare_id"))),
            )
        auction.refresh_from_db()
        if isinstance(completed, dict) and completed.get("error") == 0 and auction.is_paid:
            return [
                Finding(
                    "selftest.ok",
                    OK,
                    f"самопроверка: подписанные Prepare и Complete провели тестовую оплату, аукцион «{auction.status}»"
                    " (всё отменено)",
                    f"self-test: a signed Prepare and Complete paid a throw-away fee, auction '{auction.status}'"
                    " (all rolled back)",
                )
            ]
        answer = completed if completed is not None else prepared
        return [
            Finding(
                "selftest.failed",
                ERROR,
                f"самопроверка не прошла: ответ {answer}",
                f"the self-test failed: answer {answer}",
                "смотрите ответ выше и логи clickuz.callbacks",
                "read the answer above and the clickuz.callbacks log",
            )
        ]

    try:
        return _in_throwaway_transaction(work)
    except Exception as exc:
        return [
            Finding(
                "selftest.failed",
                ERROR,
                f"самопроверка упала: {type(exc).__name__}: {exc}",
                f"the self-test crashed: {type(exc).__name__}: {exc}",
                "смотрите трассировку в логах",
                "read the traceback in the logs",
            )
        ]


# --- What Click sees: signed requests over HTTP ------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    label: str  # "SITE_URL" or "upstream"
    base_url: str
    host: str | None = None  # the Host header nginx would pass to the upstream


def _http_targets(upstreams: Sequence[str]) -> list[_Target]:
    targets = []
    site = urlsplit(settings.SITE_URL or "")
    if site.scheme in ("http", "https") and site.netloc:
        targets.append(_Target("SITE_URL", settings.SITE_URL))
    for upstream in upstreams:
        targets.append(_Target("upstream", upstream, host=site.hostname or _probe_host()))
    return targets


def _is_tls_error(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    return "SSL" in str(exc) or "CERTIFICATE" in str(exc).upper()


def _snippet(raw: bytes, limit: int = 120) -> str:
    text = raw[:limit].decode("utf-8", errors="replace")
    return " ".join(text.split()) or "(пусто)"


def _http_transport_finding(target: _Target, url: str, exc: httpx.HTTPError) -> Finding:
    where = f"{target.label}: POST {url}"
    if isinstance(exc, httpx.TimeoutException):
        return Finding(
            "http.timeout",
            ERROR,
            f"{where}: нет ответа за {HTTP_TIMEOUT:.0f} с ({type(exc).__name__})",
            f"{where}: no answer within {HTTP_TIMEOUT:.0f} s ({type(exc).__name__})",
            "сервер или nginx не отвечает: systemctl status kvartirabar-web nginx; firewall (443)",
            "the server or nginx does not answer: systemctl status kvartirabar-web nginx; the firewall (443)",
        )
    if _is_tls_error(exc):
        return Finding(
            "http.tls",
            ERROR,
            f"{where}: ошибка TLS, Click не примет такой сертификат: {exc}",
            f"{where}: TLS error, Click will not accept this certificate: {exc}",
            "проверьте сертификат (certbot certificates; полная цепочка fullchain.pem в nginx; имя хоста в SITE_URL)",
            "check the certificate (certbot certificates; the full chain fullchain.pem in nginx; SITE_URL's host)",
        )
    return Finding(
        "http.unreachable",
        ERROR,
        f"{where}: соединение не установлено: {type(exc).__name__}: {exc}",
        f"{where}: could not connect: {type(exc).__name__}: {exc}",
        "запущен ли сервер (systemctl status kvartirabar-web nginx)? верны ли адрес и порт, DNS и firewall?",
        "is the server running (systemctl status kvartirabar-web nginx)? "
        "are the address, port, DNS and firewall right?",
    )


def _http_answer_finding(
    target: _Target, url: str, action: Action, response: httpx.Response, expected: set[int]
) -> Finding | None:
    """None when the answer is what a correct server gives a signed request for an unknown order."""
    where = f"{target.label}: POST {url}"
    status = response.status_code
    first = _snippet(response.content)
    if status == 404:
        return Finding(
            "http.not_found",
            ERROR,
            f"{where} → HTTP 404, Click получит страницу ошибки: {first}",
            f"{where} → HTTP 404, Click gets an error page: {first}",
            "путь теряется по дороге к Django: проверьте location /api/auctions/click/ и proxy_pass в nginx "
            "(proxy_pass http://kvartirabar_app; без пути, как в deploy/nginx/kvartirabar.conf), "
            "затем nginx -t и reload",
            "the path is lost on the way to Django: check location /api/auctions/click/ and proxy_pass in nginx "
            "(proxy_pass http://kvartirabar_app; with no path, as in deploy/nginx/kvartirabar.conf), "
            "then nginx -t, reload",
        )
    if 300 <= status < 400:
        location = response.headers.get("Location", "")
        return Finding(
            "http.redirect",
            ERROR,
            f"{where} → HTTP {status} на {location or '?'}: Click не следует перенаправлениям",
            f"{where} → HTTP {status} to {location or '?'}: Click does not follow redirects",
            "SITE_URL должен быть конечным https:// адресом; в кабинете Click — тот же адрес со слэшем в конце",
            "SITE_URL must be the final https:// address; the Click cabinet needs the same URL with the trailing slash",
        )
    # nginx's own "busy" answer (deploy/nginx: @click_busy) is Click's -7 with HTTP 200, so Click
    # retries; for the doctor it means what a 502 means: the app did not answer.
    app_down = status == 200 and response.headers.get("X-Kvartirabar-Fallback") == "busy"
    if status in (502, 503, 504) or app_down:
        return Finding(
            "http.upstream",
            ERROR,
            f"{where} → HTTP {status}: {first}",
            f"{where} → HTTP {status}: {first}",
            "nginx не достучался до приложения: systemctl status kvartirabar-web, адрес в upstream kvartirabar_app",
            "nginx did not reach the application: systemctl status kvartirabar-web, the address in upstream "
            "kvartirabar_app",
        )
    if status != 200:
        return Finding(
            "http.status",
            ERROR,
            f"{where} → HTTP {status} вместо 200: {first}",
            f"{where} → HTTP {status} instead of 200: {first}",
            "Click ждёт HTTP 200 и JSON; проверьте nginx (location, proxy_pass, лимиты), ALLOWED_HOSTS и логи сервера",
            "Click expects HTTP 200 and JSON; check nginx (location, proxy_pass, limits), ALLOWED_HOSTS, "
            "the server log",
        )
    try:
        body = response.json()
    except ValueError:
        body = None
    if body is None:
        kind = response.headers.get("Content-Type", "?")
        return Finding(
            "http.not_json",
            ERROR,
            f"{where} → HTTP 200, но не JSON ({kind}): {first}",
            f"{where} → HTTP 200 but not JSON ({kind}): {first}",
            "на этот путь отвечает не Django (страница-заглушка, другой location или сайт в nginx); "
            "проверьте server_name и location /api/auctions/click/",
            "something other than Django answers this path (a stub page, another location or site in nginx); "
            "check server_name and location /api/auctions/click/",
        )
    code = body.get("error") if isinstance(body, dict) else None
    if not isinstance(code, int) or isinstance(code, bool) or "click_trans_id" not in body:
        return Finding(
            "http.not_click",
            ERROR,
            f"{where} → JSON без полей Click (error, click_trans_id): {first}",
            f"{where} → JSON without Click's fields (error, click_trans_id): {first}",
            "этот путь ведёт не на обработчик Click: сравните CLICK_PREPARE_PATH/CLICK_COMPLETE_PATH и nginx",
            "this path does not reach the Click handler: compare CLICK_PREPARE_PATH/CLICK_COMPLETE_PATH and nginx",
        )
    if code in expected:
        return None
    if code == -1:
        return Finding(
            "http.secret",
            ERROR,
            f"{where} → -1: работающий сервер не принимает подпись с текущими CLICK_SECRET_KEY и CLICK_SERVICE_ID",
            f"{where} → -1: the running server rejects a signature made with the current CLICK_SECRET_KEY and "
            "CLICK_SERVICE_ID",
            "сервер работает со старыми настройками: после изменения .env перезапустите его "
            "(systemctl restart kvartirabar-web kvartirabar-worker); проверьте, что doctor и сервер читают один .env",
            "the server runs with old settings: restart it after changing .env "
            "(systemctl restart kvartirabar-web kvartirabar-worker); "
            "check that the doctor and the server read one .env",
        )
    help_ = CALLBACK_ERRORS.get(code)
    return Finding(
        "http.unexpected",
        ERROR,
        f"{where} ({action.name}) → {code}"
        + (f": {help_.ru}" if help_ else "")
        + f"; ожидался {' или '.join(map(str, sorted(expected, reverse=True)))}",
        f"{where} ({action.name}) → {code}"
        + (f": {help_.en}" if help_ else "")
        + f"; expected {' or '.join(map(str, sorted(expected, reverse=True)))}",
        help_.fix_ru if help_ and help_.fix_ru else "смотрите логи clickuz.callbacks",
        help_.fix_en if help_ and help_.fix_en else "read the clickuz.callbacks log",
    )


def _http_findings(target: _Target) -> list[Finding]:
    """A signed Prepare and Complete for an order that cannot exist: a correct server answers -5 and writes no fee."""
    order = PROBE_ORDER_PREFIX + secrets.token_hex(6).upper()
    sign = partial(
        callback_fields_signed,
        click_trans_id=str(10**12 + secrets.randbelow(9 * 10**12)),
        service_id=str(settings.CLICK_SERVICE_ID),
        secret_key=settings.CLICK_SECRET_KEY,
        merchant_trans_id=order,
        amount=f"{Decimal(settings.AUCTION_FEE):.2f}",
        paydoc_id=str(10**12 + secrets.randbelow(9 * 10**12)),
    )
    headers = {PROBE_HEADER: probe_header_value(secret_key=settings.CLICK_SECRET_KEY)}
    if target.host:
        # What nginx adds in front of the upstream.
        headers.update({"Host": target.host, "X-Forwarded-Proto": "https"})
    found: list[Finding] = []
    # Any merchant_prepare_id: the unknown order is refused first (-5), or the id (-6).
    stages = (
        (Action.PREPARE, settings.CLICK_PREPARE_PATH, {-5}, sign(action=Action.PREPARE)),
        (
            Action.COMPLETE,
            settings.CLICK_COMPLETE_PATH,
            {-5, -6},
            sign(action=Action.COMPLETE, merchant_prepare_id="1"),
        ),
    )
    with httpx.Client(timeout=HTTP_TIMEOUT, follow_redirects=False) as client:
        for action, path, expected, fields in stages:
            url = target.base_url.rstrip("/") + path
            try:
                response = client.post(url, data=fields, headers=headers)
            except httpx.HTTPError as exc:
                found.append(_http_transport_finding(target, url, exc))
                break  # the same address: the other stage would fail the same way
            finding = _http_answer_finding(target, url, action, response, expected)
            if finding is not None:
                found.append(finding)
    if not found:
        found.append(
            Finding(
                "http.ok",
                OK,
                f"{target.label} {target.base_url}: подписанные Prepare и Complete по HTTP приняты "
                "(подпись верна, заказ-проверка неизвестен: -5; ничего не изменено)",
                f"{target.label} {target.base_url}: signed Prepare and Complete over HTTP accepted "
                "(signature valid, the probe order unknown: -5; nothing changed)",
            )
        )
    return found


# --- Merchant API credentials ------------------------------------------------------------------------

_AUTH_WORDS = ("auth", "sign", "access", "forbidden", "denied", "credential")
MERCHANT_PROBE_REF = "click_doctor"


def _drop_probe_lines(record: logging.LogRecord) -> bool:
    return getattr(record, "merchant_trans_id", None) != MERCHANT_PROBE_REF


def _merchant_findings() -> list[Finding]:
    """One cheap read (status by a made-up order id): an auth refusal means the credentials are wrong."""
    config = MerchantConfig.from_settings()
    parts = urlsplit(config.base_url)
    if config.problems() or (parts.scheme != "https" and parts.hostname not in LOOPBACK):
        return []  # the config findings already say what is missing or unsafe
    client = ClickMerchantClient(replace(config, retries=0, timeout=min(config.timeout, HTTP_TIMEOUT)))
    merchant_log = logging.getLogger("clickuz.merchant")
    merchant_log.addFilter(_drop_probe_lines)  # a cron run every few minutes must not fill the log
    try:
        result = client.payment_status_by_mti(
            merchant_trans_id=PROBE_ORDER_PREFIX + secrets.token_hex(6).upper(),
            created_on=datetime.now(TASHKENT).date(),
            payment_ref=MERCHANT_PROBE_REF,
        )
    finally:
        merchant_log.removeFilter(_drop_probe_lines)
    note = result.error_note.lower()
    if result.http_status is None:
        return [
            Finding(
                "merchant.unreachable",
                WARNING,
                f"Merchant API Click не ответил: {result.error_note}",
                f"Click's Merchant API did not answer: {result.error_note}",
                f"проверьте доступ с сервера к {config.base_url} (DNS, исходящий firewall)",
                f"check that the server reaches {config.base_url} (DNS, the outgoing firewall)",
            )
        ]
    if result.http_status in (401, 403) or any(word in note for word in _AUTH_WORDS):
        return [
            Finding(
                "merchant.auth",
                ERROR,
                f"Merchant API Click отверг наши учётные данные ({result.summary}, HTTP {result.http_status}): "
                "сверка и возвраты не работают",
                f"Click's Merchant API refused our credentials ({result.summary}, HTTP {result.http_status}): "
                "reconciliation and refunds do not work",
                "сравните CLICK_MERCHANT_USER_ID и CLICK_SECRET_KEY с кабинетом Click (раздел Merchant API) и "
                "часы сервера (timedatectl)",
                "compare CLICK_MERCHANT_USER_ID and CLICK_SECRET_KEY with the Click cabinet (Merchant API) and the "
                "server clock (timedatectl)",
            )
        ]
    if result.http_status in (200, 201) and result.answered:
        return [
            Finding(
                "merchant.ok",
                OK,
                f"Merchant API Click принимает наши учётные данные (ответ на проверку: {result.summary})",
                f"Click's Merchant API accepts our credentials (the probe's answer: {result.summary})",
            )
        ]
    return [
        Finding(
            "merchant.unexpected",
            WARNING,
            f"Merchant API Click ответил неожиданно: {result.summary}",
            f"Click's Merchant API answered unexpectedly: {result.summary}",
            f"проверьте CLICK_MERCHANT_API_URL ({config.base_url})",
            f"check CLICK_MERCHANT_API_URL ({config.base_url})",
        )
    ]


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


def _callback_findings(*, since: datetime) -> list[Finding]:
    """Recent error codes of Click's own callbacks (never our probes); one cleared by a later success is info."""
    real = ClickCallback.objects.filter(is_probe=False)
    if not real.exists():
        return [
            Finding(
                "callbacks.none",
                WARNING,
                "от Click ещё не пришло ни одного callback",
                "no callback from Click has ever arrived",
                "проверьте URL в кабинете Click (https://, слэш в конце), доступность снаружи (curl) и firewall (443)",
                "check the URLs in the Click cabinet (https://, trailing slash), outside reachability (curl), "
                "the firewall (443)",
            )
        ]
    failures = real.filter(created_at__gte=since, error__isnull=False).exclude(error=0)
    groups = failures.values("error", "stage").annotate(count=Count("id"), last_id=Max("id")).order_by("error", "stage")
    # Row ids follow arrival (the row is stored before processing): a success with a larger id came later.
    last_success = dict(
        real.filter(error=0).values("stage").annotate(last_id=Max("id")).values_list("stage", "last_id")
    )
    found = []
    for group in groups:
        code, stage, count = int(group["error"]), group["stage"], group["count"]
        last = ClickCallback.objects.get(pk=group["last_id"])
        help_ = CALLBACK_ERRORS.get(code)
        level, ru, en, fix_ru, fix_en = (
            (help_.level, help_.ru, help_.en, help_.fix_ru, help_.fix_en)
            if help_
            else (WARNING, "неизвестный код", "unknown code", "", "")
        )
        cleared = (last_success.get(stage) or 0) > last.pk
        seen_ru = f"последний раз {_when(last.created_at)}: {last.merchant_trans_id or '?'}, {last.detail}"
        seen_en = f"last seen {_when(last.created_at)}: {last.merchant_trans_id or '?'}, {last.detail}"
        if cleared:
            seen_ru += "; позже Click прошёл успешно — исправлено"
            seen_en += "; a later callback succeeded — resolved"
        found.append(
            Finding(
                f"callbacks.{code}",
                INFO if cleared else level,
                f"{code}: {ru} — {count}× {stage} ({seen_ru})",
                f"{code}: {en} — {count}× {stage} ({seen_en})",
                fix_ru,
                fix_en,
            )
        )
    return found


def _refund_findings() -> list[Finding]:
    """Refunds not done yet. An operator is asked to act only when Click definitely refused, or the
    automatic sends are used up; while an outcome is unknown, the job asks Click and nobody refunds by hand."""
    found = []
    # Payme refunds are payme_doctor's: they wait for Payme's CancelTransaction, not for Click.
    waiting = (
        FeeRefund.objects.filter(gateway=Gateway.CLICK)
        .exclude(state=RefundState.DONE)
        .select_related("payment")
        .order_by("created_at")
    )
    for refund in waiting[:50]:
        mti = refund.payment.merchant_trans_id
        waits_for_operator = (
            refund.state == RefundState.REQUESTED and refund.sends >= settings.CLICK_REFUND_MAX_ATTEMPTS
        )
        # The job never re-sends a definite refusal, nor a refund whose automatic sends are used up.
        if refund.state == RefundState.FAILED or waits_for_operator:
            found.append(
                Finding(
                    "refunds.failed",
                    ERROR,
                    (
                        f"возврат сбора {mti} отклонён Click"
                        if not waits_for_operator
                        else f"возврат сбора {mti}: автоматические попытки исчерпаны"
                    )
                    + f" ({refund.note})",
                    (
                        f"Click refused the refund of fee {mti}"
                        if not waits_for_operator
                        else f"the refund of fee {mti} used up its automatic sends"
                    )
                    + f" ({refund.note})",
                    "админка → оплата → «Повторить возврат» или верните вручную в кабинете Click",
                    "admin → payment → «Retry the refund», or refund by hand in the Click cabinet",
                )
            )
        elif refund.state in (RefundState.UNKNOWN, RefundState.SENDING):
            found.append(
                Finding(
                    "refunds.unknown",
                    WARNING,
                    f"исход возврата сбора {mti} неизвестен ({refund.note or refund.state}): его уточняет задача",
                    f"the outcome of fee {mti}'s refund is unknown ({refund.note or refund.state}): the job asks Click",
                    "ничего не возвращайте вручную: повторный возврат вернул бы деньги дважды; задача спросит Click",
                    "do not refund by hand: it could pay the payer back twice; the job asks Click first",
                )
            )
        else:
            found.append(
                Finding(
                    "refunds.pending",
                    WARNING,
                    f"сбор {mti} будет возвращён ({refund.get_state_display()})",
                    f"fee {mti} is to be refunded ({refund.state})",
                    "задача отправит возврат через Click",
                    "the job sends the refund through Click",
                )
            )
    return found


def _consistency_findings(*, now: datetime) -> list[Finding]:
    found = []
    completed = AuctionPayment.objects.filter(status=PaymentStatus.COMPLETED).select_related("auction")
    # A fee being refunded or refunded is accounted for; anything else paid for an auction that is not running is not.
    unaccounted = completed.filter(needs_refund=False).exclude(refund_status=RefundStatus.REFUNDED)
    for payment in unaccounted.filter(Q(auction__is_paid=False) | Q(auction__status=AuctionStatus.CANCELLED))[:50]:
        found.append(
            Finding(
                "consistency.paid_not_active",
                # Not activated at all is the checklist's "went through but not activated"; a cancelled
                # paid auction may be a decision (a cancel after the start), so it is a warning.
                ERROR if not payment.auction.is_paid else WARNING,
                f"оплата {payment.merchant_trans_id} проведена, а аукцион #{payment.auction_id} "
                f"«{payment.auction.status}», is_paid={payment.auction.is_paid}",
                f"payment {payment.merchant_trans_id} is completed but auction #{payment.auction_id} is "
                f"'{payment.auction.status}', is_paid={payment.auction.is_paid}",
                "откройте оплату в админке (история и callbacks); если аукцион не может идти — верните сбор",
                "open the payment in the admin (timeline and callbacks); if the auction cannot run, refund the fee",
            )
        )
    has_completed = Exists(AuctionPayment.objects.filter(auction=OuterRef("pk"), status=PaymentStatus.COMPLETED))
    for auction in Auction.objects.filter(Q(is_paid=True) | Q(status__in=PAID_AUCTION_STATUSES)).filter(~has_completed)[
        :50
    ]:
        found.append(
            Finding(
                "consistency.active_not_paid",
                ERROR,
                f"аукцион #{auction.pk} «{auction.status}» (is_paid={auction.is_paid}) без проведённой оплаты",
                f"auction #{auction.pk} is '{auction.status}' (is_paid={auction.is_paid}) without a completed payment",
                "оплаты проводит только Complete от Click: проверьте, кто изменил аукцион (история в админке)",
                "only Click's Complete pays a fee: find out who changed the auction (its history in the admin)",
            )
        )
    found += _refund_findings()
    stale = attempts_due_for_reconcile(now=now).count()
    if stale:
        found.append(
            Finding(
                "reconcile.stale",
                WARNING,
                plural_ru(stale, "попытка", "попытки", "попыток") + " Click без завершения (prepare без complete)",
                plural_en(stale, "Click attempt", "Click attempts") + " prepared but never completed",
                "их сверит периодическая задача; вручную — действие «Перепроверить в Click» в админке",
                "the periodic job reconciles them; by hand — the «Re-check with Click» admin action",
            )
        )
    return found


def doctor_run(
    *,
    since_hours: int = 24,
    self_test: bool = True,
    http: bool = False,
    upstreams: Sequence[str] = (),
    merchant_api: bool = False,
) -> list[Finding]:
    """Every check in order. `http` and `merchant_api` reach outside the process (the command turns them on)."""
    blocking = _migration_findings()
    if blocking:
        return blocking
    now = timezone.now()
    findings = list(_config_findings())
    findings += _route_findings()
    if self_test:
        findings += _self_test_findings()
    if http:
        for target in _http_targets(upstreams):
            findings += _http_findings(target)
    if merchant_api:
        findings += _merchant_findings()
    findings += _callback_findings(since=now - timedelta(hours=since_hours))
    findings += _consistency_findings(now=now)
    return findings
