"""`manage.py click_doctor`: the operator's troubleshooting in one command.

Each check returns Findings with a stable `code`, a level, and the message
and fix in Russian and English. Errors make the command exit non-zero.
"""

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.http.request import validate_host
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone

from accounts.models import User
from auctions.models import PAID_AUCTION_STATUSES, Auction, AuctionStatus
from clickuz.credentials import click_settings_problems
from clickuz.merchant import MerchantConfig
from clickuz.models import ClickCallback
from clickuz.protocol import Action
from clickuz.simulator import callback_fields_signed
from clickuz.troubleshooting import CALLBACK_ERRORS, ERROR, OK, WARNING
from fees.demo import test_fee_payment_create
from fees.models import AuctionPayment, PaymentStatus, RefundStatus
from fees_click.services import attempts_due_for_reconcile

SELF_TEST_PHONE = "+998900000098"
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
            f"{stale_amounts.count()} открытых оплат на сумму, отличную от AUCTION_FEE={settings.AUCTION_FEE}: "
            "Click платит сумму из ссылки, мы сверяем с суммой оплаты",
            f"{stale_amounts.count()} open payment(s) for an amount other than AUCTION_FEE={settings.AUCTION_FEE}: "
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
    return Client(HTTP_HOST=_probe_host(), raise_request_exception=False)


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
                    "адреса Prepare и Complete отвечают JSON Click",
                    "the Prepare and Complete URLs answer Click's JSON",
                )
            )
        return found

    return _in_throwaway_transaction(work)


def _self_test_findings() -> list[Finding]:
    """A signed Prepare and Complete on a throw-away payment, through the real URLs, rolled back."""

    def work() -> list[Finding]:
        now = timezone.now()
        seller, _created = User.objects.get_or_create(phone=SELF_TEST_PHONE, defaults={"first_name": "click_doctor"})
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


def _callback_findings(*, since: datetime) -> list[Finding]:
    found = []
    recent = ClickCallback.objects.filter(created_at__gte=since)
    if not ClickCallback.objects.exists():
        found.append(
            Finding(
                "callbacks.none",
                WARNING,
                "от Click ещё не пришло ни одного callback",
                "no callback from Click has ever arrived",
                "проверьте URL в кабинете Click (https://, слэш в конце), доступность снаружи (curl) и firewall (443)",
                "check the URLs in the Click cabinet (https://, trailing slash), outside reachability (curl), "
                "the firewall (443)",
            )
        )
        return found
    counts: Counter[int] = Counter(
        code for code in recent.exclude(error=0).values_list("error", flat=True) if code is not None
    )
    for code, count in sorted(counts.items()):
        help_ = CALLBACK_ERRORS.get(code)
        level, ru, en, fix_ru, fix_en = (
            (help_.level, help_.ru, help_.en, help_.fix_ru, help_.fix_en)
            if help_
            else (WARNING, "неизвестный код", "unknown code", "", "")
        )
        last = recent.filter(error=code).first()
        where = f" (последний: {last.merchant_trans_id or '?'}, {last.detail})" if last else ""
        where_en = f" (last: {last.merchant_trans_id or '?'}, {last.detail})" if last else ""
        found.append(
            Finding(
                f"callbacks.{code}",
                level,
                f"{code}: {ru} — {count}×{where}",
                f"{code}: {en} — {count}×{where_en}",
                fix_ru,
                fix_en,
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
    for payment in AuctionPayment.objects.filter(needs_refund=True)[:50]:
        failed = payment.refund_status == RefundStatus.FAILED
        found.append(
            Finding(
                "refunds.pending",
                ERROR if failed and payment.refund_attempts >= settings.CLICK_REFUND_MAX_ATTEMPTS else WARNING,
                f"сбор {payment.merchant_trans_id} нужно вернуть"
                + (f": возврат не удался ({payment.refund_note})" if failed else ""),
                f"fee {payment.merchant_trans_id} must be refunded"
                + (f": the reversal failed ({payment.refund_note})" if failed else ""),
                "админка → оплата → «Повторить возврат через Click» или верните вручную в кабинете Click",
                "admin → payment → «Retry the refund through Click», or refund by hand in the Click cabinet",
            )
        )
    stale = attempts_due_for_reconcile(now=now).count()
    if stale:
        found.append(
            Finding(
                "reconcile.stale",
                WARNING,
                f"{stale} попыток Click подготовлены, но не завершены",
                f"{stale} Click attempt(s) prepared but never completed",
                "их сверит периодическая задача; вручную — действие «Перепроверить в Click» в админке",
                "the periodic job reconciles them; by hand — the «Re-check with Click» admin action",
            )
        )
    return found


def doctor_run(*, since_hours: int = 24, self_test: bool = True) -> list[Finding]:
    now = timezone.now()
    findings = list(_config_findings())
    findings += _route_findings()
    if self_test:
        findings += _self_test_findings()
    findings += _callback_findings(since=now - timedelta(hours=since_hours))
    findings += _consistency_findings(now=now)
    return findings
